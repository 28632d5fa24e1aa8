package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MstTreeTest {
    private static final Cid LEAF = Cid.parse("bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454");

    static Stream<JsonNode> commitProofs() {
        return StreamSupport.stream(InteropVectors.json("firehose/commit-proof-fixtures.json").spliterator(), false);
    }

    @ParameterizedTest
    @MethodSource("commitProofs")
    void appliesTheFixtureOpsToTheStoredTree(JsonNode fixture) {
        MemoryBlockStore store = new MemoryBlockStore();
        Cid before = MstBuilder.build(keys(fixture.get("keys")), store);
        MstTree tree = MstTree.load(before, store);
        fixture.get("adds").forEach(k -> assertThat(tree.put(k.asText(), LEAF)).isNull());
        fixture.get("dels").forEach(k -> assertThat(tree.remove(k.asText())).isEqualTo(LEAF));
        MemoryBlockStore fresh = new MemoryBlockStore();
        assertThat(tree.write(fresh).toString()).isEqualTo(fixture.get("rootAfterCommit").asText());
        // every node that changed was emitted, so the new root walks from the old and new blocks together
        assertThat(MstWalker.walk(tree.rootCid(), cid -> fresh.get(cid) != null ? fresh.get(cid) : store.get(cid),
                (k, v) -> { })).isEqualTo(fixture.get("keys").size() + fixture.get("adds").size() - fixture.get("dels").size());
    }

    /** The proof blocks the reference lists are enough to invert the commit, in either op order. */
    @ParameterizedTest
    @MethodSource("commitProofs")
    void invertsTheFixtureCommitFromItsProofBlocksAlone(JsonNode fixture) {
        TreeMap<String, Cid> after = keys(fixture.get("keys"));
        fixture.get("adds").forEach(k -> after.put(k.asText(), LEAF));
        fixture.get("dels").forEach(k -> after.remove(k.asText()));
        MemoryBlockStore full = new MemoryBlockStore();
        Cid afterRoot = MstBuilder.build(after, full);
        assertThat(afterRoot.toString()).isEqualTo(fixture.get("rootAfterCommit").asText());
        Map<Cid, byte[]> proof = new HashMap<>();
        fixture.get("blocksInProof").forEach(c -> proof.put(Cid.parse(c.asText()), full.get(Cid.parse(c.asText()))));

        List<Runnable> inversions = new ArrayList<>();
        MstTree[] tree = new MstTree[1];
        fixture.get("adds").forEach(k -> inversions.add(() -> assertThat(tree[0].remove(k.asText())).isEqualTo(LEAF)));
        fixture.get("dels").forEach(k -> inversions.add(() -> assertThat(tree[0].put(k.asText(), LEAF)).isNull()));
        for (boolean reversed : new boolean[] {false, true}) {
            tree[0] = MstTree.load(afterRoot, proof::get);
            List<Runnable> order = new ArrayList<>(inversions);
            if (reversed) {
                Collections.reverse(order);
            }
            order.forEach(Runnable::run);
            assertThat(tree[0].rootCid().toString()).as("reversed=" + reversed).isEqualTo(fixture.get("rootBeforeCommit").asText());
        }
    }

    @Test
    void randomEditsAlwaysGiveTheCanonicalTree() {
        Random random = new Random(7);
        List<String> universe = new ArrayList<>(InteropVectors.text("mst/example_keys.txt").lines().filter(s -> !s.isBlank()).toList());
        for (int i = 0; i < 300; i++) {
            universe.add("app.bsky.feed.like/3l" + Long.toString(Math.abs(random.nextLong()), 32).substring(0, 11));
        }
        for (int round = 0; round < 30; round++) {
            TreeMap<String, Cid> expected = new TreeMap<>();
            for (String k : universe) {
                if (random.nextInt(3) == 0) {
                    expected.put(k, LEAF);
                }
            }
            MemoryBlockStore store = new MemoryBlockStore();
            MstTree tree = round % 2 == 0 ? MstTree.load(MstBuilder.build(expected, store), store) : fill(expected);
            for (int op = 0; op < 40; op++) {
                String key = universe.get(random.nextInt(universe.size()));
                if (random.nextBoolean()) {
                    Cid value = random.nextBoolean() ? LEAF : Cid.ofDagCbor(new byte[] {(byte) op, (byte) round});
                    assertThat(tree.put(key, value)).isEqualTo(expected.put(key, value));
                } else {
                    assertThat(tree.remove(key)).isEqualTo(expected.remove(key));
                }
                assertThat(tree.get(key)).isEqualTo(expected.get(key));
                if (op % 8 == 7) {
                    assertThat(tree.rootCid()).isEqualTo(MstBuilder.build(expected, new MemoryBlockStore()));
                }
            }
            assertThat(tree.rootCid()).isEqualTo(MstBuilder.build(expected, new MemoryBlockStore()));
        }
    }

    @Test
    void removingEveryKeyLeavesTheEmptyTree() {
        TreeMap<String, Cid> keys = keys(InteropVectors.json("firehose/commit-proof-fixtures.json").get(0).get("keys"));
        MemoryBlockStore store = new MemoryBlockStore();
        MstTree tree = MstTree.load(MstBuilder.build(keys, store), store);
        keys.keySet().forEach(tree::remove);
        assertThat(tree.rootCid()).isEqualTo(MstTree.empty().rootCid());
        assertThat(MstTree.empty().rootCid().toString()).isEqualTo("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm");
    }

    @Test
    void anOperationNeedingAnAbsentNodeFailsAsMissingBlock() {
        TreeMap<String, Cid> keys = keys(InteropVectors.json("firehose/commit-proof-fixtures.json").get(0).get("keys"));
        MemoryBlockStore store = new MemoryBlockStore();
        Cid root = MstBuilder.build(keys, store);
        MstTree tree = MstTree.load(root, cid -> cid.equals(root) ? store.get(cid) : null);
        assertThatThrownBy(() -> tree.get("A0/374913"))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.MISSING_BLOCK));
    }

    @Test
    void refusesANodeOnTheWrongLayer() {
        // a layer-0 key stored as the only entry of a node that claims a subtree: its child cannot exist
        MemoryBlockStore store = new MemoryBlockStore();
        Cid child = store.putDagCbor(new MstNode(null, List.of(new MstNode.Entry(0, "A0/374913".getBytes(), LEAF, null))).encode());
        Cid root = store.putDagCbor(new MstNode(child, List.of(new MstNode.Entry(0, "B0/601692".getBytes(), LEAF, null))).encode());
        assertThatThrownBy(() -> MstTree.load(root, store).get("A0/374913"))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.INVALID_MST));
    }

    private static MstTree fill(Map<String, Cid> entries) {
        MstTree tree = MstTree.empty();
        List<String> shuffled = new ArrayList<>(entries.keySet());
        Collections.shuffle(shuffled, new Random(entries.size()));
        shuffled.forEach(k -> tree.put(k, entries.get(k)));
        return tree;
    }

    private static TreeMap<String, Cid> keys(JsonNode list) {
        TreeMap<String, Cid> map = new TreeMap<>();
        list.forEach(k -> map.put(k.asText(), LEAF));
        return map;
    }
}
