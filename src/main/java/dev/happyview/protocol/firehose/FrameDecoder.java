package dev.happyview.protocol.firehose;

import dev.happyview.protocol.firehose.FirehoseEvent.AccountEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.ErrorFrame;
import dev.happyview.protocol.firehose.FirehoseEvent.IdentityEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InfoEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InvalidEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.UnknownFrame;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.DagCborException;
import dev.happyview.protocol.repo.DagCborReader;
import dev.happyview.protocol.repo.DagCborReader.Type;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.syntax.Nsid;
import dev.happyview.protocol.syntax.RecordKey;
import dev.happyview.protocol.syntax.Tid;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Decodes one binary {@code subscribeRepos} frame: a DAG-CBOR header ({@code {op, t}}) followed by a
 * DAG-CBOR payload, nothing after.
 *
 * <p>The input is untrusted (hostile relays exist): the reader is the strict one used for repos, every
 * declared length is checked before allocation, items and nesting are budgeted, and a payload is held
 * to the lexicon: field types, DID/TID/path syntax, at most {@code maxOps} operations, {@code blocks}
 * within the lexicon's byte limits, the whole frame within {@code maxFrameBytes}. Unknown fields are
 * skipped, a duplicated field is refused. {@code decode} never throws for bad input: a frame that
 * cannot be an event comes back as an {@link InvalidEvent} naming the reason, with whatever seq and DID
 * were read before the problem, so the caller can count it, skip it and keep its cursor moving. (The
 * spec allows dropping the connection instead; a relay that repeats the same bad frame after every
 * reconnect would then stall the stream forever.)
 */
public final class FrameDecoder {
    /** Bounds for one frame. */
    public record Limits(int maxFrameBytes, int maxBlocksBytes, int maxSyncBlocksBytes, int maxOps, int maxItems, int maxDepth) {
        /** The spec's 5 MB frames, 2,000,000-byte commit slices, 10,000-byte sync slices and 200 ops. */
        public static final Limits DEFAULT = new Limits(5_000_000, 2_000_000, 10_000, 200, 20_000, 16);
    }

    private final Limits limits;

    public FrameDecoder() {
        this(Limits.DEFAULT);
    }

    public FrameDecoder(Limits limits) {
        this.limits = limits;
    }

    public FirehoseEvent decode(byte[] frame) {
        Parse parse = new Parse(frame);
        try {
            return parse.frame();
        } catch (DagCborException e) {
            return parse.invalid("malformed frame: " + e.getMessage());
        }
    }

    /** The state of one decode: what has been read so far, and the first problem found. */
    private final class Parse {
        private final DagCborReader in;
        private final int size;
        private String type;
        private long seq = -1;
        private String did;
        private String problem;

        Parse(byte[] frame) {
            this.in = new DagCborReader(frame, limits.maxItems());
            this.size = frame.length;
        }

        FirehoseEvent frame() {
            Long op = null;
            String t = null;
            for (String key : mapKeys("frame header")) {
                switch (key) {
                    case "op" -> op = integer(key);
                    case "t" -> t = text(key);
                    default -> in.skip(limits.maxDepth());
                }
            }
            if (op == null || problem != null) {
                return invalid(problem != null ? problem : "frame header has no op");
            }
            FirehoseEvent event;
            if (op == -1) {
                type = "error";
                event = errorFrame();
            } else if (op != 1) {
                return new UnknownFrame(Math.clamp(op, Integer.MIN_VALUE, Integer.MAX_VALUE), t);
            } else if (t == null) {
                return invalid("frame header has op 1 but no type");
            } else {
                type = t;
                event = switch (t) {
                    case "#commit" -> commit();
                    case "#sync" -> sync();
                    case "#identity" -> identity();
                    case "#account" -> account();
                    case "#info" -> info();
                    default -> null;
                };
                if (event == null && problem == null) {
                    return new UnknownFrame(1, t);
                }
            }
            in.expectEnd();
            if (size > limits.maxFrameBytes()) {
                return invalid("frame of " + size + " bytes exceeds " + limits.maxFrameBytes());
            }
            return problem != null ? invalid(problem) : event;
        }

        private FirehoseEvent commit() {
            String repo = null;
            String rev = null;
            String since = null;
            String time = null;
            Cid commit = null;
            Cid prevData = null;
            byte[] blocks = null;
            List<RepoOp> ops = null;
            boolean tooBig = false;
            for (String key : mapKeys("#commit payload")) {
                switch (key) {
                    case "seq" -> seq(key);
                    case "repo" -> did = repo = did(key);
                    case "rev" -> rev = tid(key, false);
                    case "since" -> since = tid(key, true);
                    case "time" -> time = text(key);
                    case "commit" -> commit = link(key, false);
                    case "prevData" -> prevData = link(key, true);
                    case "blocks" -> blocks = bytes(key, limits.maxBlocksBytes());
                    case "ops" -> ops = ops();
                    case "tooBig" -> tooBig = Boolean.TRUE.equals(bool(key));
                    default -> in.skip(limits.maxDepth());
                }
            }
            if (problem == null) {
                require(seq >= 0, "seq");
                require(repo != null && rev != null && commit != null && blocks != null && ops != null && time != null,
                        "repo, rev, commit, blocks, ops or time");
            }
            return problem != null ? null
                    : new CommitEvent(seq, repo, rev, since, commit, blocks, ops, prevData, time, tooBig);
        }

        private FirehoseEvent sync() {
            String rev = null;
            String time = null;
            byte[] blocks = null;
            for (String key : mapKeys("#sync payload")) {
                switch (key) {
                    case "seq" -> seq(key);
                    case "did" -> did = did(key);
                    case "rev" -> rev = tid(key, false);
                    case "time" -> time = text(key);
                    case "blocks" -> blocks = bytes(key, limits.maxSyncBlocksBytes());
                    default -> in.skip(limits.maxDepth());
                }
            }
            require(seq >= 0 && did != null && rev != null && blocks != null && time != null, "seq, did, rev, blocks or time");
            return problem != null ? null : new SyncEvent(seq, did, rev, blocks, time);
        }

        private FirehoseEvent identity() {
            String time = null;
            String handle = null;
            for (String key : mapKeys("#identity payload")) {
                switch (key) {
                    case "seq" -> seq(key);
                    case "did" -> did = did(key);
                    case "time" -> time = text(key);
                    case "handle" -> handle = text(key);
                    default -> in.skip(limits.maxDepth());
                }
            }
            require(seq >= 0 && did != null && time != null, "seq, did or time");
            return problem != null ? null : new IdentityEvent(seq, did, time, handle);
        }

        private FirehoseEvent account() {
            String time = null;
            String status = null;
            Boolean active = null;
            for (String key : mapKeys("#account payload")) {
                switch (key) {
                    case "seq" -> seq(key);
                    case "did" -> did = did(key);
                    case "time" -> time = text(key);
                    case "active" -> active = bool(key);
                    case "status" -> status = text(key);
                    default -> in.skip(limits.maxDepth());
                }
            }
            require(seq >= 0 && did != null && time != null && active != null, "seq, did, time or active");
            return problem != null ? null : new AccountEvent(seq, did, time, active, status);
        }

        private FirehoseEvent info() {
            String name = null;
            String message = null;
            for (String key : mapKeys("#info payload")) {
                switch (key) {
                    case "name" -> name = text(key);
                    case "message" -> message = text(key);
                    default -> in.skip(limits.maxDepth());
                }
            }
            require(name != null, "name");
            return problem != null ? null : new InfoEvent(name, message);
        }

        private FirehoseEvent errorFrame() {
            String error = null;
            String message = null;
            for (String key : mapKeys("error payload")) {
                switch (key) {
                    case "error" -> error = text(key);
                    case "message" -> message = text(key);
                    default -> in.skip(limits.maxDepth());
                }
            }
            require(error != null, "error");
            return problem != null ? null : new ErrorFrame(error, message);
        }

        private List<RepoOp> ops() {
            if (in.peek() != Type.ARRAY) {
                return wrongType("ops");
            }
            int n = in.readArrayHeader();
            if (n > limits.maxOps()) {
                report(n + " ops exceed " + limits.maxOps());
            }
            List<RepoOp> ops = new ArrayList<>(Math.min(n, limits.maxOps()));
            for (int i = 0; i < n; i++) {
                RepoOp op = op();
                if (op != null) {
                    ops.add(op);
                }
            }
            return ops;
        }

        private RepoOp op() {
            String action = null;
            String path = null;
            Cid cid = null;
            Cid prev = null;
            for (String key : mapKeys("repo op")) {
                switch (key) {
                    case "action" -> action = text(key);
                    case "path" -> path = text(key);
                    case "cid" -> cid = link(key, true);
                    case "prev" -> prev = link(key, true);
                    default -> in.skip(limits.maxDepth());
                }
            }
            RepoOp.Action kind = RepoOp.Action.of(action);
            if (kind == null) {
                return report("op action " + action + " is not create, update or delete");
            }
            if (path == null || !isRepoPath(path)) {
                return report("op path " + path + " is not collection/rkey");
            }
            boolean shapeOk = switch (kind) {
                case CREATE -> cid != null && prev == null;
                case UPDATE -> cid != null;
                case DELETE -> cid == null;
            };
            return shapeOk ? new RepoOp(kind, path, cid, prev) : report("op " + action + " " + path + " has the wrong cid/prev");
        }

        /** Reads a map header; returns its keys one by one as the caller consumes each value. */
        private Iterable<String> mapKeys(String what) {
            if (in.peek() != Type.MAP) {
                throw new DagCborException(DagCborException.Kind.MALFORMED, what + " is not a map");
            }
            int n = in.readMapHeader();
            Set<String> seen = new HashSet<>();
            return () -> new Iterator<>() {
                private int read;

                @Override
                public boolean hasNext() {
                    return read < n;
                }

                @Override
                public String next() {
                    read++;
                    if (in.peek() != Type.TEXT) {
                        throw new DagCborException(DagCborException.Kind.MALFORMED, what + " has a key that is not text");
                    }
                    String key = in.readText();
                    if (!seen.add(key)) {
                        throw new DagCborException(DagCborException.Kind.MALFORMED, what + " repeats the key " + key);
                    }
                    return key;
                }
            };
        }

        private void seq(String key) {
            Long v = integer(key);
            if (v != null) {
                seq = v;
            }
        }

        private Long integer(String key) {
            return in.peek() == Type.INTEGER ? in.readInteger() : wrongType(key);
        }

        private String text(String key) {
            return in.peek() == Type.TEXT ? in.readText() : wrongType(key);
        }

        private Boolean bool(String key) {
            return in.peek() == Type.BOOLEAN ? in.readBoolean() : wrongType(key);
        }

        private Cid link(String key, boolean nullable) {
            Type t = in.peek();
            if (t == Type.LINK) {
                return in.readLink();
            }
            if (t == Type.NULL && nullable) {
                in.readNull();
                return null;
            }
            return wrongType(key);
        }

        private byte[] bytes(String key, int max) {
            if (in.peek() != Type.BYTES) {
                return wrongType(key);
            }
            byte[] b = in.readBytes();
            return b.length <= max ? b : report(key + " of " + b.length + " bytes exceeds " + max);
        }

        private String did(String key) {
            String s = text(key);
            return s == null || Did.isValid(s) ? s : report(key + " is not a DID");
        }

        private String tid(String key, boolean nullable) {
            if (nullable && in.peek() == Type.NULL) {
                in.readNull();
                return null;
            }
            String s = text(key);
            return s == null || Tid.isValid(s) ? s : report(key + " is not a TID");
        }

        private void require(boolean present, String fields) {
            if (!present) {
                report("missing " + fields);
            }
        }

        private <T> T wrongType(String key) {
            in.skip(limits.maxDepth());
            return report(key + " has the wrong type");
        }

        private <T> T report(String reason) {
            if (problem == null) {
                problem = reason;
            }
            return null;
        }

        InvalidEvent invalid(String reason) {
            return new InvalidEvent(seq, type, did, reason);
        }
    }

    static boolean isRepoPath(String path) {
        int slash = path.indexOf('/');
        return slash > 0 && slash == path.lastIndexOf('/')
                && Nsid.isValid(path.substring(0, slash)) && RecordKey.isValid(path.substring(slash + 1));
    }
}
