package dev.happyview.firehose;

import dev.happyview.protocol.firehose.VerifiedCommit;
import java.util.List;

/** What the check before the transaction found about one frame. */
sealed interface Check {
    /** Nothing to apply: the event is at or below the repo's stored rev, or concerns a repo this service does not follow. */
    record Skip(boolean stale) implements Check {}

    /** Not checked before the transaction (an event without a signature: account, identity, an invalid frame). */
    record Pass() implements Check {}

    /**
     * A commit whose signature and ops verified.
     *
     * @param writes its ops on records of the record collections, in op order
     */
    record Commit(VerifiedCommit commit, List<Write> writes) implements Check {}

    /** A {@code #sync} whose signed commit verified: the repo is at {@code data} as of its rev. */
    record Sync(String data) implements Check {}

    /**
     * Refused: never applied, counted by {@code kind}.
     *
     * @param missed the event may have been a real change the repo now misses (its frame could not be read, the key
     *               could not be fetched), as opposed to a forgery: the repo is marked desynchronized at once
     */
    record Rejected(String kind, String detail, boolean missed) implements Check {}

    /** A commit that cannot be checked or applied from the stream ({@code tooBig}): the repo must be fetched whole. */
    record Unusable(String kind, String detail) implements Check {}

    /** One record write of a verified commit; {@code cid} and {@code json} are null for a delete. */
    record Write(String uri, String collection, String rkey, String cid, String json, boolean delete) {}

    Check PASS = new Pass();
    Check STALE = new Skip(true);
    Check UNTRACKED = new Skip(false);
}
