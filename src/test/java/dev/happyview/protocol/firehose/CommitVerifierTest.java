package dev.happyview.protocol.firehose;

import static dev.happyview.protocol.firehose.TestChain.create;
import static dev.happyview.protocol.firehose.TestChain.delete;
import static dev.happyview.protocol.firehose.TestChain.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.repo.CarReader;
import dev.happyview.protocol.repo.CarSlice;
import dev.happyview.protocol.repo.CarWriter;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.InteropVectors;
import dev.happyview.protocol.repo.MemoryBlockStore;
import dev.happyview.protocol.repo.MstBuilder;
import dev.happyview.protocol.repo.MstTree;
import dev.happyview.protocol.repo.RepoVerifier.SigningKeySource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CommitVerifierTest {
    private static final AtprotoKeyPair K256 = AtprotoKeyPair.generate(Curve.K256, new byte[] {1});
    private static final long START = 1_767_225_600_000_000L; // 2026-01-01
    private static final String DID = "did:plc:firehosetestrepo0000000";

    /** A long random history: every commit verifies, chains on the previous one, and ends where the truth is. */
    @ParameterizedTest
    @EnumSource(Curve.class)
    void builtCommitsVerifyAndChainOnePerWrite(Curve curve) throws IOException {
        AtprotoKeyPair key = AtprotoKeyPair.generate(curve, new byte[] {2});
        TestChain chain = new TestChain(DID, key, START);
        Random random = new Random(curve.ordinal());
        String storedRev = null;
        Cid storedData = null;
        for (int c = 0; c < 80; c++) {
            List<CommitBuilder.Write> writes = new ArrayList<>();
            TreeMap<String, Boolean> touched = new TreeMap<>();
            for (int w = 0, n = 1 + random.nextInt(c % 10 == 9 ? 40 : 4); w < n; w++) {
                String path = (random.nextBoolean() ? "app.bsky.feed.post/" : "app.bsky.feed.like/") + "3l" + (1000 + random.nextInt(400));
                if (touched.put(path, true) != null) {
                    continue;
                }
                boolean exists = chain.truth.containsKey(path);
                writes.add(!exists ? create(path, "t" + c + w) : random.nextBoolean() ? update(path, "u" + c + w) : delete(path));
            }
            CommitEvent event = roundTrip(chain.commit(writes).event());
            VerifiedCommit verified = CommitVerifier.verify(event, refresh -> key.publicKey());
            assertThat(verified.chained()).isEqualTo(c > 0); // a repo's first commit has no prevData
            assertThat(verified.commit().data()).isEqualTo(MstBuilder.build(chain.truth, new MemoryBlockStore()));
            for (VerifiedCommit.Op op : verified.ops()) {
                if (op.op().action() != RepoOp.Action.DELETE) {
                    assertThat(op.value().get("$type").asText()).isEqualTo("app.bsky.feed.post");
                }
            }
            if (storedRev != null) {
                assertThat(SyncRules.commit(storedRev, storedData, event.rev(), event.since(), event.prevData(),
                        Instant.ofEpochSecond(START / 1_000_000 + 60)).verdict()).isEqualTo(SyncRules.Verdict.APPLY);
            }
            storedRev = event.rev();
            storedData = verified.commit().data();
        }
    }

    /** The slice the builder emits holds every block the reference proof lists for the same change. */
    @Test
    void builderProofsCoverTheReferenceProofs() {
        for (JsonNode fixture : InteropVectors.json("firehose/commit-proof-fixtures.json")) {
            Cid leaf = Cid.parse(fixture.get("leafValue").asText());
            TreeMap<String, Cid> keys = new TreeMap<>();
            fixture.get("keys").forEach(k -> keys.put(k.asText(), leaf));
            MemoryBlockStore store = new MemoryBlockStore();
            Cid before = MstBuilder.build(keys, store);
            MstTree tree = MstTree.load(before, store);
            List<RepoOp> ops = new ArrayList<>();
            fixture.get("adds").forEach(k -> {
                tree.put(k.asText(), leaf);
                ops.add(new RepoOp(RepoOp.Action.CREATE, k.asText(), leaf, null));
            });
            fixture.get("dels").forEach(k -> {
                tree.remove(k.asText());
                ops.add(new RepoOp(RepoOp.Action.DELETE, k.asText(), null, leaf));
            });
            Map<Cid, byte[]> nodes = new LinkedHashMap<>();
            Cid after = tree.write(nodes::put);
            Set<Cid> proof = CommitBuilder.proof(after, cid -> nodes.containsKey(cid) ? nodes.get(cid) : store.get(cid),
                    nodes.keySet(), ops, before);
            fixture.get("blocksInProof").forEach(c -> assertThat(proof).as(fixture.get("comment").asText())
                    .contains(Cid.parse(c.asText())));
        }
    }

    @Test
    void aForgedSignatureIsRejectedAndAStaleKeyIsRefreshedOnce() throws IOException {
        TestChain chain = new TestChain(DID, K256, START);
        chain.commit(List.of(create("app.bsky.feed.post/3la", "a")));
        CommitEvent event = chain.commit(List.of(create("app.bsky.feed.post/3lb", "b"))).event();
        AtprotoPublicKey other = AtprotoKeyPair.generate(Curve.K256, new byte[] {9}).publicKey();
        assertRejected(event, refresh -> other, CommitRejectedException.Kind.BAD_SIGNATURE);

        AtomicInteger asked = new AtomicInteger();
        SigningKeySource rotated = refresh -> {
            asked.incrementAndGet();
            return refresh ? K256.publicKey() : other;
        };
        assertThat(CommitVerifier.verify(event, rotated).chained()).isTrue();
        assertThat(asked).hasValue(2);
    }

    @Test
    void opsThatDoNotMatchTheSignedTreeAreRejected() throws IOException {
        TestChain chain = new TestChain(DID, K256, START);
        List<CommitBuilder.Write> initial = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            initial.add(create("app.bsky.feed.post/3l" + (100 + i), "p" + i));
        }
        chain.commit(initial);
        CommitEvent event = chain.commit(List.of(create("app.bsky.feed.post/3lz1", "new"),
                update("app.bsky.feed.post/3l105", "changed"), delete("app.bsky.feed.post/3l110"))).event();
        assertThat(CommitVerifier.verify(event, refresh -> K256.publicKey()).chained()).isTrue();

        // a hidden delete: the op list omits one change the signed tree made
        assertRejected(withOps(event, event.ops().subList(0, 2)), CommitRejectedException.Kind.OPS_MISMATCH);
        // an op claiming a different record than the tree holds
        RepoOp update = event.ops().get(1);
        assertRejected(withOps(event, List.of(event.ops().get(0), new RepoOp(update.action(), update.path(), event.ops().get(0).cid(),
                update.prev()), event.ops().get(2))), CommitRejectedException.Kind.OPS_MISMATCH);
        // a claimed previous value that was not the previous value
        assertRejected(withOps(event, List.of(event.ops().get(0), new RepoOp(update.action(), update.path(), update.cid(),
                event.ops().get(0).cid()), event.ops().get(2))), CommitRejectedException.Kind.OPS_MISMATCH);
        // prevData that is not the tree before the commit
        assertRejected(withPrevData(event, event.ops().get(0).cid()), CommitRejectedException.Kind.OPS_MISMATCH);
        // a path given twice
        assertRejected(withOps(event, List.of(event.ops().get(0), event.ops().get(0))), CommitRejectedException.Kind.OPS_MISMATCH);
        // without prevData the ops are only checked forward, and a wrong one is still caught
        CommitEvent legacy = withPrevData(event, null);
        assertThat(CommitVerifier.verify(legacy, refresh -> K256.publicKey()).chained()).isFalse();
        assertRejected(withPrevData(withOps(event, List.of(new RepoOp(RepoOp.Action.DELETE, "app.bsky.feed.post/3l105", null,
                update.prev()))), null), CommitRejectedException.Kind.OPS_MISMATCH);
    }

    @Test
    void eventFieldsMustMatchTheSignedCommit() {
        TestChain chain = new TestChain(DID, K256, START);
        CommitEvent e = chain.commit(List.of(create("app.bsky.feed.post/3la", "a"))).event();
        assertRejected(new CommitEvent(e.seq(), "did:plc:someoneelse", e.rev(), e.since(), e.commit(), e.blocks(), e.ops(),
                e.prevData(), e.time(), false), CommitRejectedException.Kind.EVENT_MISMATCH);
        assertRejected(new CommitEvent(e.seq(), e.repo(), "3zzzzzzzzzzzz", e.since(), e.commit(), e.blocks(), e.ops(),
                e.prevData(), e.time(), false), CommitRejectedException.Kind.EVENT_MISMATCH);
        assertRejected(new CommitEvent(e.seq(), e.repo(), e.rev(), e.since(), e.ops().get(0).cid(), e.blocks(), e.ops(),
                e.prevData(), e.time(), false), CommitRejectedException.Kind.EVENT_MISMATCH);
    }

    @Test
    void aSliceMissingABlockOrWithACorruptBlockIsRejected() {
        TestChain chain = new TestChain(DID, K256, START);
        List<CommitBuilder.Write> initial = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            initial.add(create("app.bsky.feed.post/3l" + (100 + i), "p" + i));
        }
        chain.commit(initial);
        CommitEvent event = chain.commit(List.of(delete("app.bsky.feed.post/3l130"))).event();
        CarSlice slice = CarSlice.parse(event.blocks(), 1000);
        Commit commit = Commit.decode(slice.get(event.commit()));
        Map<Cid, byte[]> withoutRoot = blocksOf(event);
        withoutRoot.remove(commit.data());
        assertRejected(withBlocks(event, CarWriter.toBytes(event.commit(), withoutRoot)), CommitRejectedException.Kind.INCOMPLETE);

        Map<Cid, byte[]> corrupt = blocksOf(event);
        byte[] root = corrupt.get(commit.data()).clone();
        root[root.length - 1] ^= 1;
        corrupt.put(commit.data(), root);
        assertRejected(withBlocks(event, CarWriter.toBytes(event.commit(), corrupt)), CommitRejectedException.Kind.MALFORMED);
        byte[] truncated = Arrays.copyOf(event.blocks(), event.blocks().length - 3);
        assertRejected(withBlocks(event, truncated), CommitRejectedException.Kind.MALFORMED);
    }

    @Test
    void syncEventsCarryOnlyASignedCommit() throws IOException {
        TestChain chain = new TestChain(DID, K256, START);
        CommitBuilder.Built built = chain.commit(List.of(create("app.bsky.feed.post/3la", "a")));
        SyncEvent sync = CommitBuilder.sync(9, built.commit(), "2026-01-01T00:00:00.000Z");
        assertThat(CommitVerifier.verify(sync, refresh -> K256.publicKey())).isEqualTo(built.commit());
        assertThatThrownBy(() -> CommitVerifier.verify(new SyncEvent(9, "did:plc:other", sync.rev(), sync.blocks(), sync.time()),
                refresh -> K256.publicKey())).isInstanceOfSatisfying(CommitRejectedException.class,
                        e -> assertThat(e.kind()).isEqualTo(CommitRejectedException.Kind.EVENT_MISMATCH));
        AtprotoPublicKey other = AtprotoKeyPair.generate(Curve.K256, new byte[] {9}).publicKey();
        assertThatThrownBy(() -> CommitVerifier.verify(sync, refresh -> other)).isInstanceOfSatisfying(CommitRejectedException.class,
                e -> assertThat(e.kind()).isEqualTo(CommitRejectedException.Kind.BAD_SIGNATURE));
    }

    private static CommitEvent roundTrip(CommitEvent event) {
        return (CommitEvent) new FrameDecoder().decode(FrameEncoder.encode(event));
    }

    /** The slice's blocks in CAR order. */
    private static Map<Cid, byte[]> blocksOf(CommitEvent event) {
        Map<Cid, byte[]> blocks = new LinkedHashMap<>();
        try {
            CarReader reader = new CarReader(new ByteArrayInputStream(event.blocks()));
            for (CarReader.Block b = reader.next(); b != null; b = reader.next()) {
                blocks.put(b.cid(), b.data());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return blocks;
    }

    private static CommitEvent withOps(CommitEvent e, List<RepoOp> ops) {
        return new CommitEvent(e.seq(), e.repo(), e.rev(), e.since(), e.commit(), e.blocks(), ops, e.prevData(), e.time(), false);
    }

    private static CommitEvent withPrevData(CommitEvent e, Cid prevData) {
        return new CommitEvent(e.seq(), e.repo(), e.rev(), e.since(), e.commit(), e.blocks(), e.ops(), prevData, e.time(), false);
    }

    private static CommitEvent withBlocks(CommitEvent e, byte[] blocks) {
        return new CommitEvent(e.seq(), e.repo(), e.rev(), e.since(), e.commit(), blocks, e.ops(), e.prevData(), e.time(), false);
    }

    private static void assertRejected(CommitEvent event, CommitRejectedException.Kind kind) {
        assertRejected(event, refresh -> K256.publicKey(), kind);
    }

    private static void assertRejected(CommitEvent event, SigningKeySource keys, CommitRejectedException.Kind kind) {
        assertThatThrownBy(() -> CommitVerifier.verify(event, keys)).isInstanceOfSatisfying(CommitRejectedException.class,
                e -> assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind));
    }
}
