package dev.happyview.protocol.firehose;

import static dev.happyview.protocol.firehose.TestChain.create;
import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.firehose.FirehoseEvent.AccountEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.ErrorFrame;
import dev.happyview.protocol.firehose.FirehoseEvent.IdentityEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InfoEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InvalidEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.UnknownFrame;
import dev.happyview.protocol.repo.DagCborDecoder;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.DagCborWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private static final String DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    private static final String TIME = "2026-01-01T00:00:00.000Z";
    private static final FrameDecoder DECODER = new FrameDecoder();

    private static CommitEvent sampleCommit() {
        TestChain chain = new TestChain(DID, AtprotoKeyPair.generate(Curve.K256, new byte[] {3}), 1_767_225_600_000_000L);
        chain.commit(List.of(create("app.bsky.feed.post/3la", "a")));
        return chain.commit(List.of(create("app.bsky.feed.post/3lb", "b"), TestChain.update("app.bsky.feed.post/3la", "c"))).event();
    }

    @Test
    void everyEventTypeRoundTripsInCanonicalForm() {
        CommitEvent commit = sampleCommit();
        List<FirehoseEvent> events = List.of(commit,
                new SyncEvent(7, DID, "3lbbbbbbbbbb2", new byte[] {1, 2, 3}, TIME),
                new IdentityEvent(8, DID, TIME, "alice.test"), new IdentityEvent(9, DID, TIME, null),
                new AccountEvent(10, DID, TIME, false, "takendown"), new AccountEvent(11, DID, TIME, true, null),
                new InfoEvent("OutdatedCursor", "cursor too old"), new ErrorFrame("FutureCursor", null));
        for (FirehoseEvent event : events) {
            byte[] frame = FrameEncoder.encode(event);
            FirehoseEvent decoded = DECODER.decode(frame);
            if (event instanceof CommitEvent c) {
                CommitEvent d = (CommitEvent) decoded;
                assertThat(d.blocks()).isEqualTo(c.blocks());
                assertThat(d).usingRecursiveComparison().ignoringFields("blocks").isEqualTo(c);
            } else if (event instanceof SyncEvent s) {
                assertThat(((SyncEvent) decoded).blocks()).isEqualTo(s.blocks());
                assertThat(decoded).usingRecursiveComparison().ignoringFields("blocks").isEqualTo(s);
            } else {
                assertThat(decoded).isEqualTo(event);
            }
            assertCanonical(event, frame);
        }
    }

    @Test
    void unknownFieldsAreSkippedAndUnknownFramesReported() {
        byte[] identity = frame(header(1, "#identity"), new DagCborWriter().mapHeader(5)
                .text("did").text(DID).text("seq").integer(5).text("time").text(TIME)
                .text("extra").mapHeader(1).text("nested").arrayHeader(2).integer(1).bytes(new byte[3])
                .text("handle").text("a.test").toByteArray());
        assertThat(DECODER.decode(identity)).isEqualTo(new IdentityEvent(5, DID, TIME, "a.test"));
        assertThat(DECODER.decode(frame(header(1, "#labels"), new DagCborWriter().mapHeader(0).toByteArray())))
                .isEqualTo(new UnknownFrame(1, "#labels"));
        assertThat(DECODER.decode(frame(new DagCborWriter().mapHeader(1).text("op").integer(2).toByteArray(),
                new DagCborWriter().mapHeader(0).toByteArray()))).isEqualTo(new UnknownFrame(2, null));
    }

    @Test
    void schemaViolationsComeBackInvalidWithTheSeqAndDidRead() {
        CommitEvent c = sampleCommit();
        List<RepoOp> many = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            many.add(new RepoOp(RepoOp.Action.DELETE, "app.bsky.feed.post/3l" + i, null, c.ops().get(0).cid()));
        }
        assertInvalid(FrameEncoder.encode(withOps(c, many)), c.seq(), "201 ops exceed 200");
        CommitEvent big = new CommitEvent(c.seq(), c.repo(), c.rev(), c.since(), c.commit(), new byte[2_000_001], c.ops(),
                c.prevData(), c.time(), false);
        assertInvalid(FrameEncoder.encode(big), c.seq(), "blocks of 2000001 bytes exceeds 2000000");
        FrameDecoder small = new FrameDecoder(new FrameDecoder.Limits(1000, 2_000_000, 10_000, 200, 20_000, 16));
        InvalidEvent tooLarge = (InvalidEvent) small.decode(FrameEncoder.encode(c));
        assertThat(tooLarge.seq()).isEqualTo(c.seq());
        assertThat(tooLarge.reason()).contains("exceeds 1000");
        assertInvalid(FrameEncoder.encode(new CommitEvent(c.seq(), "not-a-did", c.rev(), c.since(), c.commit(), c.blocks(),
                c.ops(), c.prevData(), c.time(), false)), c.seq(), "repo is not a DID");
        assertInvalid(FrameEncoder.encode(new CommitEvent(c.seq(), c.repo(), "notatid", c.since(), c.commit(), c.blocks(),
                c.ops(), c.prevData(), c.time(), false)), c.seq(), "rev is not a TID");
        assertInvalid(FrameEncoder.encode(withOps(c, List.of(new RepoOp(RepoOp.Action.CREATE, "no-slash", c.ops().get(0).cid(),
                null)))), c.seq(), "is not collection/rkey");
        assertInvalid(FrameEncoder.encode(withOps(c, List.of(new RepoOp(RepoOp.Action.CREATE, "app.bsky.feed.post/x",
                c.ops().get(0).cid(), c.ops().get(0).cid())))), c.seq(), "wrong cid/prev");
        assertInvalid(frame(header(1, "#account"), new DagCborWriter().mapHeader(4).text("did").text(DID)
                .text("seq").integer(3).text("time").text(TIME).text("active").text("yes").toByteArray()), 3, "active has the wrong type");
    }

    @Test
    void malformedFramesComeBackInvalidNeverThrow() {
        byte[] good = FrameEncoder.encode(new AccountEvent(4, DID, TIME, true, null));
        assertThat(DECODER.decode(Arrays.copyOf(good, good.length - 2))).isInstanceOf(InvalidEvent.class);
        assertThat(DECODER.decode(Arrays.copyOf(good, good.length + 1))).isInstanceOf(InvalidEvent.class);
        assertThat(DECODER.decode(new byte[0])).isInstanceOf(InvalidEvent.class);
        byte[] nested = new byte[200];
        Arrays.fill(nested, (byte) 0x81); // arrays of arrays of …
        assertThat(DECODER.decode(frame(header(1, "#identity"), concat(new DagCborWriter().mapHeader(1).text("x").toByteArray(), nested))))
                .isInstanceOf(InvalidEvent.class);
        byte[] duplicate = frame(header(1, "#info"), new DagCborWriter().mapHeader(2).text("name").text("a").text("name").text("b")
                .toByteArray());
        assertThat(((InvalidEvent) DECODER.decode(duplicate)).reason()).contains("repeats the key name");
        byte[] floatBody = frame(header(1, "#info"), new byte[] {(byte) 0xa1, 0x64, 'n', 'a', 'm', 'e', (byte) 0xfb, 0, 0, 0, 0, 0, 0, 0, 0});
        assertThat(DECODER.decode(floatBody)).isInstanceOf(InvalidEvent.class);
        assertThat(DECODER.decode(frame(new DagCborWriter().mapHeader(1).text("t").text("#info").toByteArray(), new byte[0])))
                .isInstanceOf(InvalidEvent.class);

        // random corruption of real frames: always an event or an InvalidEvent, never an exception
        Random random = new Random(11);
        byte[] commit = FrameEncoder.encode(sampleCommit());
        for (int i = 0; i < 3000; i++) {
            byte[] mutated = commit.clone();
            for (int k = 0, n = 1 + random.nextInt(4); k < n; k++) {
                mutated[random.nextInt(Math.min(mutated.length, 400))] = (byte) random.nextInt(256);
            }
            assertThat(DECODER.decode(random.nextBoolean() ? mutated : Arrays.copyOf(mutated, random.nextInt(mutated.length))))
                    .isNotNull();
        }
    }

    private static void assertInvalid(byte[] frame, long seq, String reason) {
        FirehoseEvent event = DECODER.decode(frame);
        assertThat(event).isInstanceOf(InvalidEvent.class);
        InvalidEvent invalid = (InvalidEvent) event;
        assertThat(invalid.reason()).contains(reason);
        assertThat(invalid.seq()).isEqualTo(seq);
    }

    /** The frame is the canonical header for its type followed by a payload in canonical form. */
    private static void assertCanonical(FirehoseEvent event, byte[] frame) {
        byte[] header = switch (event) {
            case CommitEvent c -> header(1, "#commit");
            case SyncEvent e -> header(1, "#sync");
            case IdentityEvent e -> header(1, "#identity");
            case AccountEvent e -> header(1, "#account");
            case InfoEvent e -> header(1, "#info");
            default -> new DagCborWriter().mapHeader(1).text("op").integer(-1).toByteArray();
        };
        assertThat(Arrays.copyOf(frame, header.length)).isEqualTo(header);
        byte[] body = Arrays.copyOfRange(frame, header.length, frame.length);
        assertThat(DagCborEncoder.encode(DagCborDecoder.decode(body))).isEqualTo(body);
    }

    private static CommitEvent withOps(CommitEvent c, List<RepoOp> ops) {
        return new CommitEvent(c.seq(), c.repo(), c.rev(), c.since(), c.commit(), c.blocks(), ops, c.prevData(), c.time(), false);
    }

    private static byte[] header(int op, String type) {
        return new DagCborWriter().mapHeader(2).text("t").text(type).text("op").integer(op).toByteArray();
    }

    private static byte[] frame(byte[] header, byte[] body) {
        return concat(header, body);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
