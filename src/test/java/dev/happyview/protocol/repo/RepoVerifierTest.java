package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.multiformats.Varint;
import dev.happyview.protocol.repo.RepoVerificationException.Kind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepoVerifierTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    private static final AtprotoKeyPair KEY = AtprotoKeyPair.generate(Curve.K256, new byte[] {1});
    private static final AtprotoKeyPair OTHER_KEY = AtprotoKeyPair.generate(Curve.K256, new byte[] {2});
    private static final TreeMap<String, JsonNode> RECORDS = records(300);
    private static final TestRepo REPO = TestRepo.build(DID, KEY, RECORDS);

    @TempDir
    Path temp;

    @Test
    void shuffledCarWithDuplicatesVerifiesAndDeliversRecordsInKeyOrder() throws IOException {
        List<RepoRecord> got = new ArrayList<>();
        VerifiedRepo result = verify(REPO.shuffledCarWithDuplicates(7), KEY.publicKey(),
                c -> c.equals("app.bsky.feed.post"), got::add);

        Map<String, JsonNode> expected = new LinkedHashMap<>();
        RECORDS.forEach((k, v) -> {
            if (k.startsWith("app.bsky.feed.post/")) {
                expected.put(k, v);
            }
        });
        assertThat(got).extracting(r -> r.collection() + "/" + r.rkey()).containsExactlyElementsOf(expected.keySet());
        assertThat(got).extracting(RepoRecord::value).containsExactlyElementsOf(expected.values());
        for (RepoRecord r : got) {
            assertThat(r.cid()).isEqualTo(Cid.ofDagCbor(DagCborEncoder.encodeRecord(r.value())));
        }
        assertThat(result.records()).isEqualTo(RECORDS.size());
        assertThat(result.delivered()).isEqualTo(expected.size());
        assertThat(result.blocks()).isEqualTo(REPO.blocks().size() + 5);
        assertThat(result.commit()).isEqualTo(REPO.commit());
    }

    @Test
    void spillsToATempFileAndDeletesIt() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("spill"));
        RepoVerifier verifier = new RepoVerifier(
                CarBlockStore.Options.DEFAULT.withTempDir(dir).withMemoryThreshold(1024), DagCborDecoder.Limits.DEFAULT);
        List<RepoRecord> got = new ArrayList<>();
        byte[] car = REPO.shuffledCarWithDuplicates(3);
        try (CarBlockStore store = CarBlockStore.read(new ByteArrayInputStream(car),
                CarBlockStore.Options.DEFAULT.withTempDir(dir).withMemoryThreshold(1024))) {
            assertThat(store.spilled()).isTrue();
            assertThat(Files.list(dir)).hasSize(1);
        }
        verifier.verify(new ByteArrayInputStream(car), DID, KEY.publicKey(), c -> true, got::add);
        assertThat(got).hasSize(RECORDS.size());
        assertThat(Files.list(dir)).isEmpty();
    }

    @Test
    void emptyRepoVerifies() throws IOException {
        TestRepo empty = TestRepo.build(DID, KEY, new TreeMap<>());
        VerifiedRepo result = verify(empty.car(), KEY.publicKey(), c -> true, r -> { });
        assertThat(result.records()).isZero();
    }

    @Test
    void signingKeyIsRefreshedOnceOnFailure() throws IOException {
        List<Boolean> asked = new ArrayList<>();
        new RepoVerifier().verify(new ByteArrayInputStream(REPO.car()), DID, refresh -> {
            asked.add(refresh);
            return refresh ? KEY.publicKey() : OTHER_KEY.publicKey();
        }, c -> true, r -> { });
        assertThat(asked).containsExactly(false, true);
    }

    @Test
    void wrongKeyIsABadSignature() {
        assertKind(REPO.car(), OTHER_KEY.publicKey(), Kind.BAD_SIGNATURE);
    }

    @Test
    void highSSignatureIsABadSignature() {
        byte[] sig = REPO.commit().sig();
        BigInteger n = new BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
        BigInteger highS = n.subtract(new BigInteger(1, Arrays.copyOfRange(sig, 32, 64)));
        System.arraycopy(BigIntegers.asUnsignedByteArray(32, highS), 0, sig, 32, 32);
        Commit c = REPO.commit();
        assertKind(withCommit(new Commit(c.did(), c.version(), c.data(), c.rev(), c.prev(), sig)), KEY.publicKey(), Kind.BAD_SIGNATURE);
    }

    @Test
    void commitForAnotherDidIsRefused() {
        TestRepo other = TestRepo.build("did:plc:someoneelse", KEY, RECORDS);
        assertKind(other.car(), KEY.publicKey(), Kind.WRONG_DID);
    }

    @Test
    void badVersionAndRevAreRefused() {
        Commit c = REPO.commit();
        assertKind(withCommit(new Commit(c.did(), 2, c.data(), c.rev(), null, c.sig())), KEY.publicKey(), Kind.BAD_COMMIT);
        assertKind(withCommit(Commit.sign(DID, c.data(), "not-a-tid", null, KEY)), KEY.publicKey(), Kind.BAD_COMMIT);
    }

    @Test
    void missingRecordBlockIsRefusedEvenForUnwantedCollections() {
        Cid record = Cid.ofDagCbor(DagCborEncoder.encodeRecord(RECORDS.firstEntry().getValue()));
        byte[] car = carWithout(record);
        assertThatThrownBy(() -> verify(car, KEY.publicKey(), c -> false, r -> { }))
                .isInstanceOfSatisfying(RepoVerificationException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MISSING_BLOCK));
    }

    @Test
    void missingMstNodeIsRefused() {
        assertKind(carWithout(REPO.commit().data()), KEY.publicKey(), Kind.MISSING_BLOCK);
    }

    @Test
    void missingCommitIsRefused() {
        assertKind(carWithout(REPO.commitCid()), KEY.publicKey(), Kind.MISSING_BLOCK);
    }

    @Test
    void corruptedBlockIsAHashMismatch() {
        byte[] car = REPO.car();
        car[car.length - 3] ^= 0x01;
        assertKind(car, KEY.publicKey(), Kind.HASH_MISMATCH);
    }

    @Test
    void truncatedCarIsRefusedWhereverItIsCut() {
        byte[] car = REPO.car();
        for (int cut : new int[] {0, 1, 10, 60, 100, car.length / 2, car.length - 1}) {
            assertKind(Arrays.copyOf(car, cut), KEY.publicKey(), Kind.TRUNCATED);
        }
    }

    @Test
    void cborBombsInRecordsAreRefused() {
        // a record whose text claims 4 GiB, and one nested 10,000 levels deep: both hash correctly
        byte[] hugeLength = {(byte) 0xa1, 0x61, 0x61, 0x7b, 0, 0, 0, 1, 0, 0, 0, 0};
        assertKind(repoWithRawRecord(hugeLength), KEY.publicKey(), Kind.MALFORMED_CBOR);
        byte[] deep = new byte[10_003];
        deep[0] = (byte) 0xa1;
        deep[1] = 0x61;
        deep[2] = 0x61;
        Arrays.fill(deep, 3, deep.length - 1, (byte) 0x81);
        assertKind(repoWithRawRecord(deep), KEY.publicKey(), Kind.LIMIT_EXCEEDED);
    }

    @Test
    void oversizedSectionLengthIsALimit() {
        byte[] header = Arrays.copyOf(REPO.car(), headerLength(REPO.car()));
        byte[] car = Arrays.copyOf(header, header.length + 5);
        System.arraycopy(Varint.encode(1L << 32), 0, car, header.length, 5);
        assertKind(car, KEY.publicKey(), Kind.LIMIT_EXCEEDED);
    }

    @Test
    void garbageHeaderIsMalformed() {
        assertKind(new byte[] {0x02, (byte) 0xa0, 0x00}, KEY.publicKey(), Kind.MALFORMED_CAR);
        byte[] version2 = new DagCborWriter().mapHeader(2).text("roots").arrayHeader(0).text("version").integer(2).toByteArray();
        byte[] car = new byte[version2.length + 1];
        car[0] = (byte) version2.length;
        System.arraycopy(version2, 0, car, 1, version2.length);
        assertKind(car, KEY.publicKey(), Kind.MALFORMED_CAR);
    }

    private static byte[] repoWithRawRecord(byte[] recordBlock) {
        MemoryBlockStore blocks = new MemoryBlockStore();
        Cid record = blocks.putDagCbor(recordBlock);
        MstBuilder mst = new MstBuilder(blocks);
        mst.add("app.bsky.feed.post/3kznmn7xqxl22", record);
        Commit commit = Commit.sign(DID, mst.finish(), TestRepo.REV, null, KEY);
        Cid root = blocks.putDagCbor(commit.encode());
        return CarWriter.toBytes(root, blocks.blocks());
    }

    private static byte[] withCommit(Commit commit) {
        byte[] block = commit.encode();
        Cid root = Cid.ofDagCbor(block);
        List<Map.Entry<Cid, byte[]>> entries = new ArrayList<>(REPO.blocks().blocks().entrySet());
        entries.add(Map.entry(root, block));
        return TestRepo.write(root, entries);
    }

    private static byte[] carWithout(Cid missing) {
        List<Map.Entry<Cid, byte[]>> entries = new ArrayList<>(REPO.blocks().blocks().entrySet());
        entries.removeIf(e -> e.getKey().equals(missing));
        return TestRepo.write(REPO.commitCid(), entries);
    }

    private static int headerLength(byte[] car) {
        Varint.Decoded len = Varint.read(car, 0, car.length);
        return len.length() + (int) len.value();
    }

    private static VerifiedRepo verify(byte[] car, AtprotoPublicKey key, Predicate<String> wanted,
                                       Consumer<RepoRecord> consumer) throws IOException {
        return new RepoVerifier().verify(new ByteArrayInputStream(car), DID, key, wanted, consumer);
    }

    private static void assertKind(byte[] car, AtprotoPublicKey key, Kind kind) {
        assertThatThrownBy(() -> verify(car, key, c -> true, r -> { }))
                .isInstanceOfSatisfying(RepoVerificationException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }

    static TreeMap<String, JsonNode> records(int n) {
        TreeMap<String, JsonNode> records = new TreeMap<>();
        String[] collections = {"app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.graph.follow"};
        for (int i = 0; i < n; i++) {
            String collection = collections[i % collections.length];
            ObjectNode record = JSON.createObjectNode();
            record.put("$type", collection);
            record.put("text", "record " + i + " ünïcödé");
            record.put("createdAt", "2024-01-01T00:00:00.000Z");
            record.put("count", i * 1_000_003L);
            record.putObject("subject").put("$link", Cid.ofDagCbor(new byte[] {(byte) i}).toString());
            record.putObject("raw").put("$bytes", Base64.getEncoder().withoutPadding()
                    .encodeToString(new byte[] {(byte) i, 1, 2}));
            record.putArray("tags").add("a").add(i).addNull().add(true);
            // through text, as records arrive in practice (Jackson picks IntNode or LongNode by magnitude)
            records.put(collection + "/" + tid(i), parse(record.toString()));
        }
        return records;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String tid(long i) {
        String alphabet = "234567abcdefghijklmnopqrstuvwxyz";
        long v = 1_700_000_000_000_000L / 1000 * 1024 + i * 7919;
        char[] out = new char[13];
        for (int k = 12; k >= 0; k--) {
            out[k] = alphabet.charAt((int) (v & 31));
            v >>>= 5;
        }
        return new String(out);
    }
}
