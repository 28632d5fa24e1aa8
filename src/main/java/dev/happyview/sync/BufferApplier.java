package dev.happyview.sync;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

/**
 * How one live source applies the events it buffered for a repo, once the repo's backfill writes have committed. Each
 * source registers one with {@link HandOff}; a source that checks more than revisions (the verified firehose: chains
 * of {@code prevData}) does it here.
 */
public interface BufferApplier {
    /** The name stored with each buffered event ({@code live_buffer.source}). */
    String source();

    /**
     * Applies one repo's buffered events in order, inside the hand-off's transaction.
     *
     * @param snapshot what the backfill wrote: its revision, and whether that revision is exact (a CAR's commit) or a
     *                 lower bound (listRecords after {@code getLatestCommit}); null if the backfill did not complete
     * @return the newest revision applied, and whether the events left the repo desynchronized
     */
    Result apply(Connection c, String did, List<BufferedEvent> events, Snapshot snapshot) throws SQLException;

    /**
     * What applying buffered events did.
     *
     * @param newestRev      the newest revision applied, or null
     * @param desynchronized why the repo is still not in sync after them (an event did not chain on the backfill's
     *                       state), or null
     */
    record Result(String newestRev, String desynchronized) {}

    /**
     * What a backfill wrote: the collections it fetched and the revision it read them at, exact (a CAR's commit) or a
     * lower bound (a listing after {@code getLatestCommit}); {@code data} is the MST root CID of that commit when the
     * backfill read a signed CAR, else null.
     */
    record Snapshot(String rev, boolean exact, Set<String> collections, String data) {
        public Snapshot {
            collections = Set.copyOf(collections);
        }

        public Snapshot(String rev, boolean exact, Set<String> collections) {
            this(rev, exact, collections, null);
        }

        /**
         * Whether a create or update of {@code collection} at {@code rev} is already contained in what the backfill
         * wrote (a CAR at or after it, for a collection it wrote). Deletes are never skipped this way: a backfill
         * writes what it read but removes nothing it did not see, so a record created before and deleted during the
         * backfill is only removed by its delete event.
         */
        public boolean covers(String collection, String eventRev) {
            return exact && rev != null && eventRev != null && collections.contains(collection) && eventRev.compareTo(rev) <= 0;
        }
    }
}
