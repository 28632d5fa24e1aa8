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
