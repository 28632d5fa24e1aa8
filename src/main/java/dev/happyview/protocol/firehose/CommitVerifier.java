package dev.happyview.protocol.firehose;

import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.BAD_SIGNATURE;
import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.EVENT_MISMATCH;
import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.INCOMPLETE;
import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.INVALID_MST;
import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.MALFORMED;
import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.OPS_MISMATCH;
import static dev.happyview.protocol.firehose.CommitRejectedException.Kind.TOO_BIG;

import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.repo.CarSlice;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.MstTree;
import dev.happyview.protocol.repo.RepoVerificationException;
import dev.happyview.protocol.repo.RepoVerifier.SigningKeySource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Sync 1.1 verification of one firehose event, in isolation (the chain against the stored repo state
 * is {@link SyncRules}' job).
 *
 * <p>For a {@code #commit}: the CAR slice is parsed with every block hash-checked; its first root must
 * be the event's {@code commit}; the commit must be version 3 with the event's DID and rev; its
 * signature must verify with the account's key (asked again with a refresh once if it does not);
 * every created or updated record block must be in the slice; then the ops are inverted, in the order
 * given, on the partial MST of the slice — a create is removed and must have held the op's CID, an
 * update is put back to {@code prev} and must have held {@code cid}, a delete is put back and must have
 * been absent — and the resulting root must equal {@code prevData}. That proves the ops are exactly the
 * difference between the previous tree and the signed one. Without {@code prevData} (or without the
 * {@code prev} of an update or delete) the ops can only be checked forward against the new tree, and
 * the result says so ({@link VerifiedCommit#chained()} false).
 */
public final class CommitVerifier {
    /** Bounds a slice must respect beyond the frame decoder's byte limits. */
    private static final int MAX_SLICE_BLOCKS = 10_000;

    private CommitVerifier() {}

    /**
     * @throws CommitRejectedException when the event is not a valid, correctly signed commit whose ops
     *     match its tree
     * @throws IOException when the key source failed to refresh the account's key
     */
    public static VerifiedCommit verify(CommitEvent event, SigningKeySource keys) throws IOException {
        try {
            CarSlice slice = CarSlice.parse(event.blocks(), MAX_SLICE_BLOCKS);
            Commit commit = signedCommit(slice, event.commit(), event.repo(), event.rev(), keys);
            List<VerifiedCommit.Op> ops = records(event, slice);
            MstTree tree = MstTree.load(commit.data(), slice);
            boolean chained = event.prevData() != null && event.ops().stream()
                    .allMatch(op -> op.action() == RepoOp.Action.CREATE || op.prev() != null);
            if (chained) {
                invert(event.ops(), event.prevData(), tree);
            } else {
                checkForward(event.ops(), tree);
            }
            return new VerifiedCommit(event, event.commit(), commit, ops, chained);
        } catch (RepoVerificationException e) {
            throw rejected(e);
        }
    }

    /** Checks a {@code #sync} event's commit (the only block it carries); returns the signed commit. */
    public static Commit verify(SyncEvent event, SigningKeySource keys) throws IOException {
        try {
            CarSlice slice = CarSlice.parse(event.blocks(), MAX_SLICE_BLOCKS);
            if (slice.roots().isEmpty()) {
                throw new CommitRejectedException(MALFORMED, "#sync CAR has no root");
            }
            return signedCommit(slice, slice.roots().getFirst(), event.did(), event.rev(), keys);
        } catch (RepoVerificationException e) {
            throw rejected(e);
        }
    }

    private static Commit signedCommit(CarSlice slice, Cid commitCid, String did, String rev, SigningKeySource keys)
            throws IOException {
        if (slice.roots().isEmpty() || !slice.roots().getFirst().equals(commitCid)) {
            throw new CommitRejectedException(EVENT_MISMATCH, "the CAR's first root is not the event's commit " + commitCid);
        }
        byte[] block = slice.get(commitCid);
        if (block == null) {
            throw new CommitRejectedException(INCOMPLETE, "commit block " + commitCid + " is not in the slice");
        }
        if (commitCid.codec() != Cid.DAG_CBOR) {
            throw new CommitRejectedException(MALFORMED, "commit " + commitCid + " is not dag-cbor");
        }
        Commit commit = Commit.decode(block);
        if (commit.version() != Commit.VERSION) {
            throw new CommitRejectedException(MALFORMED, "commit version " + commit.version() + ", expected 3");
        }
        if (!commit.did().equals(did) || !commit.rev().equals(rev)) {
            throw new CommitRejectedException(EVENT_MISMATCH, "the event names " + did + " rev " + rev
                    + " but the signed commit is " + commit.did() + " rev " + commit.rev());
        }
        if (!commit.verifySignature(keys.key(false)) && !commit.verifySignature(keys.key(true))) {
            throw new CommitRejectedException(BAD_SIGNATURE, "commit signature does not verify for " + did);
        }
        return commit;
    }

    /** The ops with their record blocks; refuses a path given twice and a missing record block. */
    private static List<VerifiedCommit.Op> records(CommitEvent event, CarSlice slice) {
        Set<String> paths = new HashSet<>();
        List<VerifiedCommit.Op> ops = new ArrayList<>(event.ops().size());
        for (RepoOp op : event.ops()) {
            if (!paths.add(op.path())) {
                throw new CommitRejectedException(OPS_MISMATCH, "path " + op.path() + " appears in two ops");
            }
            byte[] record = null;
            if (op.action() != RepoOp.Action.DELETE) {
                record = slice.get(op.cid());
                if (record == null) {
                    throw new CommitRejectedException(INCOMPLETE, "record " + op.path() + " (" + op.cid() + ") is not in the slice");
                }
                if (op.cid().codec() != Cid.DAG_CBOR) {
                    throw new CommitRejectedException(MALFORMED, "record " + op.path() + " is not dag-cbor: " + op.cid());
                }
            }
            ops.add(new VerifiedCommit.Op(op, record));
        }
        return ops;
    }

    /**
     * Inverts {@code ops} in order on the new tree and requires the result to be {@code prevData}.
     *
     * @throws CommitRejectedException ({@code OPS_MISMATCH}) when an op or the resulting root disagrees
     * @throws RepoVerificationException when the tree lacks a node the inversion needs, or one is invalid
     */
    public static void invert(List<RepoOp> ops, Cid prevData, MstTree tree) {
        for (RepoOp op : ops) {
            Cid held = switch (op.action()) {
                case CREATE -> tree.remove(op.path());
                case UPDATE, DELETE -> tree.put(op.path(), op.prev());
            };
            Cid expected = op.action() == RepoOp.Action.DELETE ? null : op.cid();
            if (!Objects.equals(held, expected)) {
                throw new CommitRejectedException(OPS_MISMATCH, op.action().wire() + " " + op.path() + ": the signed tree holds "
                        + held + ", the op says " + expected);
            }
        }
        Cid previous = tree.rootCid();
        if (!previous.equals(prevData)) {
            throw new CommitRejectedException(OPS_MISMATCH,
                    "inverting the ops gives root " + previous + ", not prevData " + prevData);
        }
    }

    /** Requires each op's path to hold the op's CID in the new tree (null for a delete). */
    static void checkForward(List<RepoOp> ops, MstTree tree) {
        for (RepoOp op : ops) {
            Cid held = tree.get(op.path());
            if (!Objects.equals(held, op.cid())) {
                throw new CommitRejectedException(OPS_MISMATCH, op.action().wire() + " " + op.path() + ": the signed tree holds "
                        + held + ", the op says " + op.cid());
            }
        }
    }

    private static CommitRejectedException rejected(RepoVerificationException e) {
        CommitRejectedException.Kind kind = switch (e.kind()) {
            case MISSING_BLOCK -> INCOMPLETE;
            case INVALID_MST -> INVALID_MST;
            case LIMIT_EXCEEDED -> TOO_BIG;
            case BAD_SIGNATURE -> BAD_SIGNATURE;
            case WRONG_DID -> EVENT_MISMATCH;
            case BAD_COMMIT, HASH_MISMATCH, TRUNCATED, MALFORMED_CAR, MALFORMED_CBOR -> MALFORMED;
        };
        return new CommitRejectedException(kind, e.getMessage(), e);
    }
}
