package dev.happyview.firehose;

import dev.happyview.store.Database;
import dev.happyview.sync.SyncState;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The firehose's share of the per-repo sync state ({@code repo_sync}): each repo's commit chain (rev and MST root),
 * the gaps found in it, and the events refused ({@code live_rejections}). Writes happen in the caller's transaction,
 * the one that applies the events and saves the cursor.
 */
final class ChainStore {
    private final Database db;

    ChainStore(Database db) {
        this.db = db;
    }

    /**
     * A repo's chain as stored: the rev of the last commit the firehose chained (or of a pruning whole-repo fetch,
     * {@code data_rev}) and {@code data}, the MST root there. A listing or a partial fetch moves {@code repo_sync.rev}
     * but not the chain: it does not say what was deleted, so a commit dropped before it would go unnoticed. A repo the
     * firehose never chained has the backfill's rev and no root.
     */
    record Chain(String did, String rev, String data, SyncState state, String accountStatus) {
        Chain withCommit(String newRev, String newData) {
            return new Chain(did, newRev, newData, state, accountStatus);
        }

        Chain withState(SyncState s) {
            return new Chain(did, rev, data, s, accountStatus);
        }
    }

    /** A gap found in a repo's chain: {@code kind} is a stable name (counted), {@code detail} the link that broke. */
    record Gap(String kind, String detail) {}

    /** An event refused by verification. */
    record Rejection(long seq, String did, String kind, String detail) {}

    /** The chains of these repos, outside any transaction (a hint: the transaction reads them again). */
    Map<String, Chain> chains(Collection<String> dids) throws SQLException {
        if (dids.isEmpty()) return Map.of();
        try (Connection c = db.connection()) {
            return chains(c, dids);
        }
    }

    /** The chains of these repos that have a row (in the caller's transaction). */
    Map<String, Chain> chains(Connection c, Collection<String> dids) throws SQLException {
        var out = new HashMap<String, Chain>();
        if (dids.isEmpty()) return out;
        try (var st = c.prepareStatement("""
                SELECT did, coalesce(data_rev, rev), CASE WHEN data_rev IS NOT NULL THEN data END, state, account_status
                  FROM repo_sync WHERE did = ANY(?)""")) {
            st.setArray(1, c.createArrayOf("text", dids.toArray()));
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Chain(rs.getString(1), rs.getString(2), rs.getString(3),
                            SyncState.fromWire(rs.getString(4)), rs.getString(5)));
                }
            }
        }
        return out;
    }

    /** Stores the commits applied: each repo's rev and MST root move to its newest (never back). */
    void save(Connection c, Collection<Chain> chains) throws SQLException {
        if (chains.isEmpty()) return;
        var sorted = new TreeMap<String, Chain>();
        for (Chain ch : chains) sorted.put(ch.did(), ch);
        List<String> dids = new ArrayList<>(sorted.keySet());
        List<String> revs = new ArrayList<>();
        List<String> data = new ArrayList<>();
        for (Chain ch : sorted.values()) {
            revs.add(ch.rev());
            data.add(ch.data());
        }
        try (var st = c.prepareStatement("""
                UPDATE repo_sync s SET rev = greatest(s.rev, t.v), data = t.m, data_rev = t.v, updated_at = now()
                  FROM unnest(?::text[], ?::text[], ?::text[]) AS t(d, v, m)
                 WHERE s.did = t.d AND (s.data_rev IS NULL OR s.data_rev < t.v)""")) {
            st.setArray(1, c.createArrayOf("text", dids.toArray()));
            st.setArray(2, c.createArrayOf("text", revs.toArray()));
            st.setArray(3, c.createArrayOf("text", data.toArray()));
            st.executeUpdate();
        }
    }

    /**
     * Marks repos desynchronized (a repo being backfilled keeps its state: its fetch is the repair). A gap found in a
     * chain that was in sync starts the resync backoff afresh; one found right after a resync does not, so a repo
     * whose host keeps serving an older state is fetched again less and less often.
     */
    void markGaps(Connection c, Map<String, Gap> gaps, boolean freshStart) throws SQLException {
        if (gaps.isEmpty()) return;
        var sorted = new TreeMap<>(gaps);
        List<String> kinds = new ArrayList<>();
        List<String> details = new ArrayList<>();
        for (Gap g : sorted.values()) {
            kinds.add(g.kind());
            details.add(g.detail());
        }
        try (var st = c.prepareStatement("""
                INSERT INTO repo_sync AS s (did, state, reason, gap_kind)
                SELECT d, 'desynchronized', r, k FROM unnest(?::text[], ?::text[], ?::text[]) AS t(d, k, r) ORDER BY d
                ON CONFLICT (did) DO UPDATE
                   SET state = CASE WHEN s.state = 'backfilling' THEN s.state ELSE 'desynchronized' END,
                       reason = EXCLUDED.reason, gap_kind = EXCLUDED.gap_kind,
                       resync_attempts = CASE WHEN ? THEN 0 ELSE s.resync_attempts END, updated_at = now()""")) {
            st.setArray(1, c.createArrayOf("text", sorted.keySet().toArray()));
            st.setArray(2, c.createArrayOf("text", kinds.toArray()));
            st.setArray(3, c.createArrayOf("text", details.toArray()));
            st.setBoolean(4, freshStart);
            st.executeUpdate();
        }
    }

    /** Records why repos the hand-off leaves desynchronized are so (it sets their state). */
    void markGapKinds(Connection c, Map<String, Gap> gaps) throws SQLException {
        if (gaps.isEmpty()) return;
        try (var st = c.prepareStatement("UPDATE repo_sync SET gap_kind = ? WHERE did = ?")) {
            for (var e : new TreeMap<>(gaps).entrySet()) {
                st.setString(1, e.getValue().kind());
                st.setString(2, e.getKey());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Records refused events, once per stream position and kind. */
    void reject(Connection c, String source, List<Rejection> rejections) throws SQLException {
        if (rejections.isEmpty()) return;
        try (var st = c.prepareStatement("""
                INSERT INTO live_rejections (source, seq, did, kind, detail) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (source, seq, kind) DO NOTHING""")) {
            for (Rejection r : rejections) {
                st.setString(1, source);
                st.setObject(2, r.seq() < 0 ? null : r.seq());
                st.setString(3, r.did());
                st.setString(4, r.kind());
                st.setString(5, r.detail() == null ? null : abbreviate(r.detail()));
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Refused events by kind (every stream position once). */
    Map<String, Long> rejectionsByKind(String source) throws SQLException {
        return countBy("SELECT kind, count(*) FROM live_rejections WHERE source = ? GROUP BY kind ORDER BY kind", source);
    }

    /** Resyncs started, by the kind of gap that asked for them. */
    Map<String, Long> resyncsByKind() throws SQLException {
        return countBy("SELECT kind, count(*) FROM live_resyncs GROUP BY kind ORDER BY kind", null);
    }

    private Map<String, Long> countBy(String sql, String param) throws SQLException {
        var out = new LinkedHashMap<String, Long>();
        try (Connection c = db.connection(); var st = c.prepareStatement(sql)) {
            if (param != null) st.setString(1, param);
            try (var rs = st.executeQuery()) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
        }
        return out;
    }

    static String abbreviate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500) + "…";
    }
}
