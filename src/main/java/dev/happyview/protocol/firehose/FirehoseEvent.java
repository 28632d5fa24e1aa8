package dev.happyview.protocol.firehose;

import dev.happyview.protocol.repo.Cid;
import java.util.List;
import java.util.Objects;

/**
 * One frame of {@code com.atproto.sync.subscribeRepos}, decoded. The payloads carry exactly the fields
 * the consumer uses; unknown fields are ignored on decode, as the event-stream spec asks.
 */
public sealed interface FirehoseEvent {
    /** The stream sequence number, or -1 for frames that have none (info, errors, unknown or invalid frames). */
    long seq();

    /**
     * {@code #commit}: a signed repo commit and its diff.
     *
     * @param since rev of the repo's previous commit, or null
     * @param blocks the CAR slice: the signed commit (first root), new MST nodes, created or updated records
     * @param prevData MST root of the previous commit (sync 1.1), or null from producers that predate it
     */
    record CommitEvent(long seq, String repo, String rev, String since, Cid commit, byte[] blocks, List<RepoOp> ops,
                       Cid prevData, String time, boolean tooBig) implements FirehoseEvent {
        public CommitEvent {
            Objects.requireNonNull(repo, "repo");
            Objects.requireNonNull(rev, "rev");
            Objects.requireNonNull(commit, "commit");
            Objects.requireNonNull(blocks, "blocks");
            ops = List.copyOf(ops);
        }
    }

    /** {@code #sync}: the repo's current commit, possibly discontinuous with the previous one. */
    record SyncEvent(long seq, String did, String rev, byte[] blocks, String time) implements FirehoseEvent {
        public SyncEvent {
            Objects.requireNonNull(did, "did");
            Objects.requireNonNull(rev, "rev");
            Objects.requireNonNull(blocks, "blocks");
        }
    }

    /** {@code #identity}: the DID document or handle may have changed. */
    record IdentityEvent(long seq, String did, String time, String handle) implements FirehoseEvent {}

    /** {@code #account}: the account's hosting status at the emitting service. */
    record AccountEvent(long seq, String did, String time, boolean active, String status) implements FirehoseEvent {}

    /** {@code #info}: an informational message (e.g. {@code OutdatedCursor}). */
    record InfoEvent(String name, String message) implements FirehoseEvent {
        @Override
        public long seq() {
            return -1;
        }
    }

    /** An error frame ({@code op: -1}); the server closes the stream after it. */
    record ErrorFrame(String error, String message) implements FirehoseEvent {
        @Override
        public long seq() {
            return -1;
        }
    }

    /** A well-formed frame of an operation or type this consumer does not know: to be ignored. */
    record UnknownFrame(int op, String type) implements FirehoseEvent {
        @Override
        public long seq() {
            return -1;
        }
    }

    /**
     * A frame that could not be taken as a valid event: malformed DAG-CBOR, a payload that breaks the
     * schema, or one over a size limit. {@code seq}, {@code type} and {@code did} are what could be read
     * before the problem (-1 and nulls otherwise), so the caller can count it and still move its cursor.
     */
    record InvalidEvent(long seq, String type, String did, String reason) implements FirehoseEvent {}
}
