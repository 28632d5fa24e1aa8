package dev.happyview.records;

import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one place records are written, for every ingest path (backfill, Tap channel). A batch is one statement with
 * array parameters ({@code unnest}), which Postgres plans once and executes as a set: far cheaper per row than
 * batched single-row inserts. Upserts are keyed by AT-URI and leave rows whose CID did not change untouched.
 */
public final class RecordWriter {
    private static final String UPSERT = """
            INSERT INTO records (uri, did, collection, rkey, cid, record)
            SELECT u, d, c, k, i, r::jsonb
              FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(u, d, c, k, i, r)
            ON CONFLICT (uri) DO UPDATE
               SET cid = EXCLUDED.cid, record = EXCLUDED.record, indexed_at = now()
             WHERE records.cid IS DISTINCT FROM EXCLUDED.cid""";

    private final Database db;
    private final AtomicLong rowsWritten = new AtomicLong();
    private volatile Consumer<Duration> batchObserver = d -> {};

    public RecordWriter(Database db) {
        this.db = db;
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

    /** The same in the caller's connection and transaction. */
    public int upsert(Connection c, List<RecordRow> rows) throws SQLException {
        // Postgres refuses to touch one row twice in a statement; the last version of a URI wins.
        Collection<RecordRow> unique = rows;
        if (rows.size() > 1) {
            Map<String, RecordRow> byUri = new LinkedHashMap<>(rows.size() * 2);
            for (RecordRow r : rows) byUri.put(r.uri(), r);
            if (byUri.size() != rows.size()) unique = byUri.values();
        }
        int n = unique.size();
        String[] uri = new String[n], did = new String[n], coll = new String[n], rkey = new String[n],
                cid = new String[n], json = new String[n];
        int i = 0;
        for (RecordRow r : unique) {
            uri[i] = r.uri();
            did[i] = r.did();
            coll[i] = r.collection();
            rkey[i] = r.rkey();
            cid[i] = r.cid();
            json[i] = r.recordJson();
            i++;
        }
        long t0 = System.nanoTime();
        try (var st = c.prepareStatement(UPSERT)) {
            st.setArray(1, c.createArrayOf("text", uri));
            st.setArray(2, c.createArrayOf("text", did));
            st.setArray(3, c.createArrayOf("text", coll));
            st.setArray(4, c.createArrayOf("text", rkey));
            st.setArray(5, c.createArrayOf("text", cid));
            st.setArray(6, c.createArrayOf("text", json));
            int changed = st.executeUpdate();
            rowsWritten.addAndGet(changed);
            batchObserver.accept(Duration.ofNanos(System.nanoTime() - t0));
            return changed;
        }
    }

    /** Deletes records by AT-URI; returns how many existed. */
    public int delete(List<String> uris) throws SQLException {
        if (uris.isEmpty()) return 0;
        try (var c = db.connection()) {
            return delete(c, uris);
        }
    }

    public int delete(Connection c, List<String> uris) throws SQLException {
        try (var st = c.prepareStatement("DELETE FROM records WHERE uri = ANY (?::text[])")) {
            st.setArray(1, c.createArrayOf("text", uris.toArray()));
            return st.executeUpdate();
        }
    }

    /**
     * Deletes this repo's records of one collection whose record key is not in {@code keep}: what pruning needs after
     * a complete fetch. Returns how many were deleted.
     */
    public int deleteMissing(String did, String collection, Collection<String> keep) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        DELETE FROM records WHERE did = ? AND collection = ? AND NOT (rkey = ANY (?::text[]))""")) {
            st.setString(1, did);
            st.setString(2, collection);
            st.setArray(3, c.createArrayOf("text", keep.toArray()));
            return st.executeUpdate();
        }
    }

    /** Deletes every record of one collection from the index; returns how many. */
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
}
