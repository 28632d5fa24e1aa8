package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MstTest {
    private static final Cid LEAF = Cid.parse("bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454");

    static Stream<JsonNode> keyHeights() {
        return elements("mst/key_heights.json");
    }

    static Stream<JsonNode> commonPrefixes() {
        return elements("mst/common_prefix.json");
    }

    static Stream<JsonNode> commitProofs() {
        return elements("firehose/commit-proof-fixtures.json");
    }

    private static Stream<JsonNode> elements(String path) {
        return StreamSupport.stream(InteropVectors.json(path).spliterator(), false);
    }

    @ParameterizedTest
    @MethodSource("keyHeights")
    void keyHeightsMatchTheVectors(JsonNode v) {
        assertThat(MstKeys.height(utf8(v.get("key").asText()))).isEqualTo(v.get("height").asInt());
    }

    @ParameterizedTest
    @MethodSource("commonPrefixes")
    void commonPrefixesMatchTheVectors(JsonNode v) {
        assertThat(MstKeys.commonPrefix(utf8(v.get("left").asText()), utf8(v.get("right").asText())))
                .isEqualTo(v.get("len").asInt());
    }

    @ParameterizedTest
    @MethodSource("commitProofs")
    void builderReproducesCommitProofRoots(JsonNode fixture) {
        Cid leaf = Cid.parse(fixture.get("leafValue").asText());
        TreeMap<String, Cid> before = new TreeMap<>();
        fixture.get("keys").forEach(k -> before.put(k.asText(), leaf));
        MemoryBlockStore store = new MemoryBlockStore();
        Cid rootBefore = MstBuilder.build(before, store);
        assertThat(rootBefore.toString()).isEqualTo(fixture.get("rootBeforeCommit").asText());
        assertThat(walkKeys(rootBefore, store)).containsExactlyElementsOf(before.keySet());

        TreeMap<String, Cid> after = new TreeMap<>(before);
        fixture.get("adds").forEach(k -> after.put(k.asText(), leaf));
        fixture.get("dels").forEach(k -> after.remove(k.asText()));
        MemoryBlockStore afterStore = new MemoryBlockStore();
        Cid rootAfter = MstBuilder.build(after, afterStore);
        assertThat(rootAfter.toString()).isEqualTo(fixture.get("rootAfterCommit").asText());
        assertThat(walkKeys(rootAfter, afterStore)).containsExactlyElementsOf(after.keySet());
        // every block of the proof is a node of the new tree
        fixture.get("blocksInProof").forEach(c -> assertThat(afterStore.get(Cid.parse(c.asText()))).isNotNull());
    }

    @Test
    void emptyTreeIsASingleEmptyNode() {
        MemoryBlockStore store = new MemoryBlockStore();
        Cid root = MstBuilder.build(new TreeMap<>(), store);
        assertThat(root.toString()).isEqualTo("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm");
        assertThat(MstWalker.walk(root, store, (k, v) -> { })).isZero();
    }

    @Test
    void exampleKeysBuildAndWalkBackInOrder() {
        TreeMap<String, Cid> entries = new TreeMap<>();
        for (String line : InteropVectors.text("mst/example_keys.txt").split("\n")) {
            if (!line.isBlank()) {
                entries.put(line.strip(), Cid.ofDagCbor(utf8(line.strip())));
            }
        }
        MemoryBlockStore store = new MemoryBlockStore();
        Cid root = MstBuilder.build(entries, store);
        List<String> keys = new ArrayList<>();
        List<Cid> values = new ArrayList<>();
        MstWalker.walk(root, store, (k, v) -> {
            keys.add(k);
            values.add(v);
        });
        assertThat(keys).containsExactlyElementsOf(entries.keySet());
        assertThat(values).containsExactlyElementsOf(entries.values());
        for (byte[] block : store.blocks().values()) {
            assertThat(MstNode.decode(block).encode()).isEqualTo(block);
        }
    }

    @Test
    void knownSingleKeyTreesHaveTheExpectedShape() {
        // "blue" is on layer 1 and "asdf" on layer 0: the root holds blue, asdf hangs left of it
        MemoryBlockStore store = new MemoryBlockStore();
        Cid root = MstBuilder.build(new TreeMap<>(Map.of("blue", LEAF, "asdf", LEAF)), store);
        MstNode top = MstNode.decode(store.get(root));
        assertThat(top.entries()).hasSize(1);
        assertThat(new String(top.entries().getFirst().keySuffix(), StandardCharsets.UTF_8)).isEqualTo("blue");
        assertThat(MstNode.decode(store.get(top.left())).entries()).hasSize(1);
    }

    @Test
    void missingNodeIsReported() {
        MemoryBlockStore store = new MemoryBlockStore();
        Cid root = MstBuilder.build(new TreeMap<>(Map.of("blue", LEAF, "asdf", LEAF)), store);
        MemoryBlockStore partial = new MemoryBlockStore();
        partial.put(root, store.get(root));
        assertThatThrownBy(() -> MstWalker.walk(root, partial, (k, v) -> { }))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.MISSING_BLOCK));
    }

    @Test
    void keysOnTheWrongLayerAreRefused() {
        // "asdf" (layer 0) placed in a root beside "blue" (layer 1)
        MstNode bad = new MstNode(null, List.of(
                new MstNode.Entry(0, utf8("asdf"), LEAF, null),
                new MstNode.Entry(0, utf8("blue"), LEAF, null)));
        assertInvalid(bad);
    }

    @Test
    void outOfOrderKeysAreRefused() {
        MstNode bad = new MstNode(null, List.of(
                new MstNode.Entry(0, utf8("asdf"), LEAF, null),
                new MstNode.Entry(0, utf8("2653ae71"), LEAF, null)));
        assertInvalid(bad);
    }

    @Test
    void nonCanonicalPrefixCompressionIsRefused() {
        MstNode bad = new MstNode(null, List.of(
                new MstNode.Entry(0, utf8("2653ae71"), LEAF, null),
                new MstNode.Entry(0, utf8("2653ae72"), LEAF, null)));
        assertThat(MstKeys.height(utf8("2653ae72"))).isZero();
        assertInvalid(bad);
    }

    @Test
    void rootWithOnlyASubtreeIsRefused() {
        MemoryBlockStore store = new MemoryBlockStore();
        Cid child = MstBuilder.build(new TreeMap<>(Map.of("asdf", LEAF)), store);
        Cid root = store.putDagCbor(new MstNode(child, List.of()).encode());
        assertThatThrownBy(() -> MstWalker.walk(root, store, (k, v) -> { }))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.INVALID_MST));
    }

    @Test
    void unknownNodeFieldsAreRefused() {
        byte[] block = new DagCborWriter().mapHeader(3).text("e").arrayHeader(0).text("l").nullValue()
                .text("x").integer(1).toByteArray();
        assertThatThrownBy(() -> MstNode.decode(block)).isInstanceOf(RepoVerificationException.class);
    }

    @Test
    void builderRefusesUnsortedKeys() {
        MstBuilder builder = new MstBuilder(new MemoryBlockStore());
        builder.add("b", LEAF);
        assertThatThrownBy(() -> builder.add("a", LEAF)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.add("b", LEAF)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertInvalid(MstNode node) {
        MemoryBlockStore store = new MemoryBlockStore();
        Cid root = store.putDagCbor(node.encode());
        assertThatThrownBy(() -> MstWalker.walk(root, store, (k, v) -> { }))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.INVALID_MST));
    }

    private static List<String> walkKeys(Cid root, BlockSource blocks) {
        List<String> keys = new ArrayList<>();
        MstWalker.walk(root, blocks, (k, v) -> keys.add(k));
        return keys;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
