package dev.happyview.live;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/** How a live source's events become writes; the pipeline calls it inside the transaction that also saves the cursor. */
public interface LiveApplier<E extends LiveEvent> {
    /** The source's name (cursors, buffer, metrics). */
    String source();

    /**
     * Work done on a partition's share of a batch before its transaction opens, in the partition's thread (so it runs
     * in parallel across partitions and holds no database connection): a source that checks signatures does it here.
     * Called again, with the same events, when the transaction is retried. Returns the events to route and apply, in
     * order; the others are counted as applied and covered by the cursor.
     */
    default List<E> prepare(List<E> events) throws SQLException {
        return events;
    }

    /**
     * Whether routing records each repo's newest event revision as its applied revision ({@code repo_sync.rev}).
     * False for a source whose applier decides what is applied (the firehose checks each commit's chain first).
     */
    default boolean routeRecordsRevision() {
        return true;
    }

    /**
     * Applies events of repos that are not being backfilled, in stream order, in the caller's transaction. Events of
     * one repo come in the order the source sent them.
     */
    Outcome apply(Connection c, List<E> events) throws SQLException;

    /**
     * What the transaction did, and what to do once it has committed.
     *
     * @param refused         events that could not be used (their repo is marked desynchronized)
     * @param identityChanged repos whose DID document may have changed (cached documents are dropped)
     * @param needsBackfill   repos that must be fetched whole again (an account back from a takedown)
     */
    record Outcome(int refused, Set<String> identityChanged, Set<String> needsBackfill) {
        public static final Outcome NONE = new Outcome(0, Set.of(), Set.of());
    }
}
