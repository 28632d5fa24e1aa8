package dev.happyview.records;

import dev.happyview.protocol.syntax.Tid;
import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postgresql.PGStatement;

/**
 * The one place records are written, for every ingest path (backfill, live sources, Tap channel). Writes are ordered by
 * repo revision: a row is replaced only by a version read at a newer revision, and a delete leaves a tombstone (uri,
 * rev) so that a write read at or before the delete cannot bring the record back while the tombstone lasts (the
 * horizon: docs/live.md). A batch is one statement with array parameters ({@code unnest}), which Postgres plans once
 * and executes as a set; rows go in key order, so concurrent writers lock shared rows in one order.
 */
public final class RecordWriter {
    /**
     * The tombstone check is a scalar subquery, one primary-key probe per row: written as {@code NOT EXISTS}, Postgres
     * turned it into a hash anti-join that copied every row, record JSON included, into a hash table first.
     */
    private static final String UPSERT = """
            INSERT INTO records (uri, did, collection, rkey, cid, record, rev)
            SELECT u, d, c, k, i, r::jsonb, v
              FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(u, d, c, k, i, r, v)
             WHERE NOT coalesce((SELECT t.v IS NULL OR x.rev >= t.v FROM record_tombstones x WHERE x.uri = t.u), false)
            ON CONFLICT (collection, uri) DO UPDATE
               SET cid = EXCLUDED.cid, record = EXCLUDED.record, rev = EXCLUDED.rev, indexed_at = now()
             WHERE records.cid IS DISTINCT FROM EXCLUDED.cid AND (records.rev IS NULL OR records.rev < EXCLUDED.rev)""";

    /**
     * Locks the sync rows of a batch's repos, creating missing ones: an insert waits for a concurrent transaction that
     * created the same row, an existing row is locked without being changed.
     */
    private static final String LOCK_REPOS = """
            INSERT INTO repo_sync AS s (did) SELECT d FROM unnest(?::text[]) AS t(d) ORDER BY d
            ON CONFLICT (did) DO UPDATE SET updated_at = s.updated_at WHERE false""";

    /** Removes rows read at or before the delete, and keeps the newest delete's revision as a tombstone. */
    private static final String DELETE = """
            WITH t AS (SELECT * FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS t(u, d, c, v)),
                 gone AS (DELETE FROM records r USING t WHERE r.collection = t.c AND r.uri = t.u
                                                          AND (r.rev IS NULL OR r.rev <= t.v) RETURNING 1),
                 kept AS (INSERT INTO record_tombstones AS x (uri, did, rev) SELECT u, d, v FROM t
                          ON CONFLICT (uri) DO UPDATE SET rev = EXCLUDED.rev, deleted_at = now() WHERE x.rev < EXCLUDED.rev
                          RETURNING 1)
            SELECT count(*) FROM gone""";

    private final Database db;
    private final AtomicLong rowsWritten = new AtomicLong();
    private volatile Consumer<Duration> batchObserver = d -> {};

    public RecordWriter(Database db) {
        this.db = db;
    }

    /** A record deleted at a revision. */
    public record Deletion(String uri, String did, String rev) {
        /** The collection segment of the URI (at://did/collection/rkey), part of the table's key; "" if none. */
        String collection() {
            return collectionOf(uri);
        }
    }

    /** Told how long each upsert batch took (metrics). */
    public void observeBatches(Consumer<Duration> observer) {
        this.batchObserver = observer;
    }

    /** Rows inserted or changed since start. */
    public long rowsWritten() {
        return rowsWritten.get();
    }

    /** Inserts or updates rows in one transaction; returns how many rows were inserted or changed. */
    public int upsert(List<RecordRow> rows) throws SQLException {
        if (rows.isEmpty()) return 0;
        try (var c = db.connection()) {
            return upsert(c, rows);
        }
    }

    /**
     * The same in the caller's connection and transaction. A row is written if no tombstone at its revision or newer
     * exists, and it either is new or replaces a row read at an older revision with a different CID.
     */
    public int upsert(Connection c, List<RecordRow> rows) throws SQLException {
        return upsert(c, rows, false);
    }

    /**
     * The same for a caller whose transaction already holds the sync rows of these rows' repos (a live source routes
     * its batch through {@code RepoSyncStore.route} first): the lock statement is left out.
     */
    public int upsertHoldingRepoLocks(Connection c, List<RecordRow> rows) throws SQLException {
        return upsert(c, rows, true);
    }

    private int upsert(Connection c, List<RecordRow> rows, boolean reposLocked) throws SQLException {
        if (rows.isEmpty()) return 0;
        // Postgres refuses to touch one row twice in a statement; of one URI the newest revision wins (the last of
        // equal ones), and key order gives concurrent writers one lock order.
        var byUri = new TreeMap<String, RecordRow>();
        for (RecordRow r : rows) byUri.merge(r.uri(), r, (old, now) -> newer(now.rev(), old.rev()) ? now : old);
        int n = byUri.size();
        String[] uri = new String[n], did = new String[n], coll = new String[n], rkey = new String[n],
                cid = new String[n], json = new String[n], rev = new String[n];
        int i = 0;
        for (RecordRow r : byUri.values()) {
            uri[i] = r.uri();
            did[i] = r.did();
            coll[i] = r.collection();
            rkey[i] = r.rkey();
            cid[i] = r.cid();
            json[i] = r.recordJson();
            rev[i] = r.rev();
            i++;
        }
        long t0 = System.nanoTime();
        boolean ownTransaction = c.getAutoCommit();
        if (ownTransaction) c.setAutoCommit(false);
        try (var lock = c.prepareStatement(LOCK_REPOS); var st = c.prepareStatement(UPSERT)) {
            // A live delete holds its repo's sync row until it commits; waiting for it here, in a statement before
            // the upsert, makes the upsert's snapshot see that delete's tombstone.
            if (!reposLocked) {
                lock.setArray(1, c.createArrayOf("text", new TreeSet<>(Arrays.asList(did)).toArray()));
                lock.executeUpdate();
            }
            st.setArray(1, c.createArrayOf("text", uri));
            st.setArray(2, c.createArrayOf("text", did));
            st.setArray(3, c.createArrayOf("text", coll));
            st.setArray(4, c.createArrayOf("text", rkey));
            st.setArray(5, c.createArrayOf("text", cid));
            st.setArray(6, c.createArrayOf("text", json));
            st.setArray(7, c.createArrayOf("text", rev));
            int changed = st.executeUpdate();
            if (ownTransaction) c.commit();
            rowsWritten.addAndGet(changed);
            batchObserver.accept(Duration.ofNanos(System.nanoTime() - t0));
            return changed;
        } catch (SQLException | RuntimeException e) {
            if (ownTransaction) c.rollback();
            throw e;
        } finally {
            if (ownTransaction) c.setAutoCommit(true);
        }
    }

    /**
     * A statement Postgres plans anew on each execution, for the table's size and the batch's at that moment. Prepared
     * once and reused, a statement gets a generic plan after five executions, kept until the table is next analyzed:
     * one planned while {@code records} was nearly empty (a new index, the first seconds of a live replay) joins by
     * reading the whole table, and went on reading it on every batch as the table grew.
     */
    private static PreparedStatement plannedForItsArguments(Connection c, String sql) throws SQLException {
        var st = c.prepareStatement(sql);
        st.unwrap(PGStatement.class).setPrepareThreshold(0);
        return st;
    }

    /** Whether revision {@code a} is at least as new as {@code b} (null: unknown, the oldest). */
    private static boolean newer(String a, String b) {
        return b == null || (a != null && a.compareTo(b) >= 0);
    }

    /**
     * Applies deletes in the caller's transaction: each removes its record if the row was read at or before the
     * delete's revision, and leaves a tombstone at that revision. Returns how many rows were removed.
     */
    public int delete(Connection c, List<Deletion> deletions) throws SQLException {
        if (deletions.isEmpty()) return 0;
        var byUri = new TreeMap<String, Deletion>();
        for (Deletion d : deletions) byUri.merge(d.uri(), d, (old, now) -> newer(now.rev(), old.rev()) ? now : old);
        try (var st = plannedForItsArguments(c, DELETE)) {
            st.setArray(1, c.createArrayOf("text", byUri.keySet().toArray()));
            st.setArray(2, c.createArrayOf("text", byUri.values().stream().map(Deletion::did).toArray()));
            st.setArray(3, c.createArrayOf("text", byUri.values().stream().map(Deletion::collection).toArray()));
            st.setArray(4, c.createArrayOf("text", byUri.values().stream().map(Deletion::rev).toArray()));
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The collection segment of a record's AT-URI (at://did/collection/rkey); "" if it has none. */
    static String collectionOf(String uri) {
        int start = uri.indexOf('/', 5) + 1;
        int end = start > 0 ? uri.indexOf('/', start) : -1;
        return end > start ? uri.substring(start, end) : "";
    }

    /** Removes records by AT-URI whatever their revision (an operator's delete); returns how many existed. */
    public int deleteUnconditionally(List<String> uris) throws SQLException {
        if (uris.isEmpty()) return 0;
        try (var c = db.connection(); var st = c.prepareStatement("""
                DELETE FROM records r USING unnest(?::text[], ?::text[]) AS t(u, c) WHERE r.collection = t.c AND r.uri = t.u""")) {
            st.setArray(1, c.createArrayOf("text", uris.toArray()));
            st.setArray(2, c.createArrayOf("text", uris.stream().map(RecordWriter::collectionOf).toArray()));
            return st.executeUpdate();
        }
    }

    /**
     * After a complete fetch of one collection of a repo at revision {@code rev}: deletes the rows the fetch did not
     * see, if they were read at or before it (rows written since by a newer event stay), with tombstones at
     * {@code rev}. A null {@code rev} (unknown) removes only rows of unknown revision. Returns how many were deleted.
     */
    public int deleteMissing(String did, String collection, Collection<String> keep, String rev) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        WITH gone AS (DELETE FROM records
                                       WHERE did = ? AND collection = ? AND NOT (rkey = ANY (?::text[]))
                                         AND (rev IS NULL OR rev <= ?)
                                      RETURNING uri, did),
                             kept AS (INSERT INTO record_tombstones AS x (uri, did, rev)
                                      SELECT uri, did, ? FROM gone WHERE ?::text IS NOT NULL ORDER BY uri
                                      ON CONFLICT (uri) DO UPDATE SET rev = EXCLUDED.rev, deleted_at = now()
                                       WHERE x.rev < EXCLUDED.rev
                                      RETURNING 1)
                        SELECT count(*) FROM gone""")) {
            st.setString(1, did);
            st.setString(2, collection);
            st.setArray(3, c.createArrayOf("text", keep.toArray()));
            st.setString(4, rev);
            st.setString(5, rev);
            st.setString(6, rev);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Removes every record of a repo (an account deleted or taken down) in the caller's transaction, each leaving a
     * tombstone at the newest of its own revision, {@code rev} and now (as a TID): nothing read before this moment
     * can bring them back. Returns how many were removed.
     */
    public int purgeRepo(Connection c, String did, String rev) throws SQLException {
        String now = Tid.of(System.currentTimeMillis() * 1000, 0);
        try (var st = plannedForItsArguments(c, """
                WITH gone AS (DELETE FROM records WHERE did = ? RETURNING uri, did, rev),
                     kept AS (INSERT INTO record_tombstones AS x (uri, did, rev)
                              SELECT uri, did, greatest(rev, ?, ?) FROM gone ORDER BY uri
                              ON CONFLICT (uri) DO UPDATE SET rev = EXCLUDED.rev, deleted_at = now()
                               WHERE x.rev < EXCLUDED.rev
                              RETURNING 1)
                SELECT count(*) FROM gone""")) {
            st.setString(1, did);
            st.setString(2, rev);
            st.setString(3, now);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** Drops tombstones older than the horizon; returns how many. */
    public int pruneTombstones(Duration horizon) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement(
                "DELETE FROM record_tombstones WHERE deleted_at < now() - make_interval(secs => ?)")) {
            st.setDouble(1, horizon.toSeconds());
            return st.executeUpdate();
        }
    }

    /** Tombstones kept now. */
    public long tombstones() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM record_tombstones")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes every record of one collection from the index (an operator's delete); returns how many. */
    public long deleteCollection(String collection) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("DELETE FROM records WHERE collection = ?")) {
            st.setString(1, collection);
            return st.executeLargeUpdate();
        }
    }

    public long count() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM records")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The newest revision of each repo among these rows (for the sync state), nulls ignored. */
    public static Map<String, String> newestRevByDid(Collection<RecordRow> rows) {
        var out = new TreeMap<String, String>();
        for (RecordRow r : rows) {
            if (r.rev() != null) out.merge(r.did(), r.rev(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        return out;
    }
}
