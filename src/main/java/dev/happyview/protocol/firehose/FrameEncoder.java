package dev.happyview.protocol.firehose;

import dev.happyview.protocol.firehose.FirehoseEvent.AccountEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.ErrorFrame;
import dev.happyview.protocol.firehose.FirehoseEvent.IdentityEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InfoEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InvalidEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.UnknownFrame;
import dev.happyview.protocol.repo.DagCborWriter;

/**
 * Encodes events as {@code subscribeRepos} frames (header + payload), in canonical DAG-CBOR: map keys
 * are written in length-then-bytewise order, which each method below spells out by hand. Deprecated
 * but still required {@code #commit} fields are written as producers should ({@code tooBig} as given,
 * {@code rebase: false}, {@code blobs: []}).
 */
public final class FrameEncoder {
    private FrameEncoder() {}

    public static byte[] encode(FirehoseEvent event) {
        DagCborWriter out = new DagCborWriter(event instanceof CommitEvent c ? c.blocks().length + 512 : 256);
        switch (event) {
            case CommitEvent c -> commit(header(out, "#commit"), c);
            case SyncEvent s -> header(out, "#sync").mapHeader(5)
                    .text("did").text(s.did())
                    .text("rev").text(s.rev())
                    .text("seq").integer(s.seq())
                    .text("time").text(s.time())
                    .text("blocks").bytes(s.blocks());
            case IdentityEvent i -> {
                header(out, "#identity").mapHeader(i.handle() == null ? 3 : 4)
                        .text("did").text(i.did())
                        .text("seq").integer(i.seq())
                        .text("time").text(i.time());
                if (i.handle() != null) {
                    out.text("handle").text(i.handle());
                }
            }
            case AccountEvent a -> {
                header(out, "#account").mapHeader(a.status() == null ? 4 : 5)
                        .text("did").text(a.did())
                        .text("seq").integer(a.seq())
                        .text("time").text(a.time())
                        .text("active").bool(a.active());
                if (a.status() != null) {
                    out.text("status").text(a.status());
                }
            }
            case InfoEvent i -> {
                header(out, "#info").mapHeader(i.message() == null ? 1 : 2).text("name").text(i.name());
                if (i.message() != null) {
                    out.text("message").text(i.message());
                }
            }
            case ErrorFrame e -> {
                out.mapHeader(1).text("op").integer(-1);
                out.mapHeader(e.message() == null ? 1 : 2).text("error").text(e.error());
                if (e.message() != null) {
                    out.text("message").text(e.message());
                }
            }
            case UnknownFrame u -> throw new IllegalArgumentException("an unknown frame has no encoding");
            case InvalidEvent i -> throw new IllegalArgumentException("an invalid event has no encoding");
        }
        return out.toByteArray();
    }

    private static DagCborWriter header(DagCborWriter out, String type) {
        return out.mapHeader(2).text("t").text(type).text("op").integer(1);
    }

    private static void commit(DagCborWriter out, CommitEvent c) {
        out.mapHeader(c.prevData() == null ? 11 : 12);
        out.text("ops").arrayHeader(c.ops().size());
        for (RepoOp op : c.ops()) {
            out.mapHeader(op.prev() == null ? 3 : 4).text("cid").linkOrNull(op.cid()).text("path").text(op.path());
            if (op.prev() != null) {
                out.text("prev").link(op.prev());
            }
            out.text("action").text(op.action().wire());
        }
        out.text("rev").text(c.rev())
                .text("seq").integer(c.seq())
                .text("repo").text(c.repo())
                .text("time").text(c.time())
                .text("blobs").arrayHeader(0)
                .text("since");
        if (c.since() == null) {
            out.nullValue();
        } else {
            out.text(c.since());
        }
        out.text("blocks").bytes(c.blocks())
                .text("commit").link(c.commit())
                .text("rebase").bool(false)
                .text("tooBig").bool(c.tooBig());
        if (c.prevData() != null) {
            out.text("prevData").link(c.prevData());
        }
    }
}
