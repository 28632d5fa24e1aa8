package dev.happyview.sync;

import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The per-repo sync state ({@code repo_sync}): the newest revision applied to each repo, and whether the repo is
 * synchronized, being backfilled or known to have a gap. Live sources route their events through {@link #route}; the
 * backfill's side of the hand-off is {@link HandOff}.
 */
public final class RepoSyncStore {
    private final Database db;

    public RepoSyncStore(Database db) {
        this.db = db;
    }

    /** One repo's row. */
    public record RepoSync(String did, String rev, SyncState state, String accountStatus, String reason) {}

    /**
     * Called by a live source in the transaction that applies a batch: locks the rows of these repos until it commits
     * (so a hand-off cannot finish in between and strand a buffered event), records the newest revision of repos that
     * are not being backfilled, and returns the repos that are: their events go to the buffer instead.
     *
     * @param newestRev DID → the newest revision in the batch (null: the batch has only events without one)
     */
    public Set<String> route(Connection c, Map<String, String> newestRev) throws SQLException {
        if (newestRev.isEmpty()) return Set.of();
        var sorted = new TreeMap<>(newestRev); // one lock order for every writer
        String[] dids = sorted.keySet().toArray(String[]::new);
        String[] revs = sorted.values().toArray(String[]::new);
        var backfilling = new HashSet<String>();
        try (var st = c.prepareStatement("""
                INSERT INTO repo_sync AS s (did, rev)
                SELECT d, v FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(d, v, n) ORDER BY n
                ON CONFLICT (did) DO UPDATE
                   SET rev = CASE WHEN s.state = 'backfilling' OR EXCLUDED.rev <= s.rev THEN s.rev
                                  ELSE coalesce(EXCLUDED.rev, s.rev) END,
                       updated_at = now()
                RETURNING did, state""")) {
            st.setArray(1, c.createArrayOf("text", dids));
            st.setArray(2, c.createArrayOf("text", revs));
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(2).equals("backfilling")) backfilling.add(rs.getString(1));
                }
            }
        }
        return backfilling;
    }

    /** Marks repos as having a known gap (the caller's transaction); a backfill in progress keeps its state. */
    public void markDesynchronized(Connection c, Collection<String> dids, String reason) throws SQLException {
        if (dids.isEmpty()) return;
        try (var st = c.prepareStatement("""
                INSERT INTO repo_sync AS s (did, state, reason)
                SELECT d, 'desynchronized', ? FROM unnest(?::text[]) AS t(d) ORDER BY d
                ON CONFLICT (did) DO UPDATE
                   SET state = CASE WHEN s.state = 'backfilling' THEN s.state ELSE 'desynchronized' END,
                       reason = EXCLUDED.reason, updated_at = now()""")) {
            st.setString(1, reason);
            st.setArray(2, c.createArrayOf("text", new TreeSet<>(dids).toArray()));
            st.executeUpdate();
        }
    }

    /** The account status last recorded for a repo, or null (in the caller's transaction). */
    public String accountStatus(Connection c, String did) throws SQLException {
        try (var st = c.prepareStatement("SELECT account_status FROM repo_sync WHERE did = ?")) {
            st.setString(1, did);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Records an account's hosting status ({@code active}, {@code deleted}, {@code takendown}, …). */
    public void setAccountStatus(Connection c, String did, String status) throws SQLException {
        try (var st = c.prepareStatement("""
                INSERT INTO repo_sync AS s (did, account_status) VALUES (?, ?)
                ON CONFLICT (did) DO UPDATE SET account_status = EXCLUDED.account_status, updated_at = now()""")) {
            st.setString(1, did);
            st.setString(2, status);
            st.executeUpdate();
        }
    }

    public Optional<RepoSync> find(String did) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement(
                "SELECT rev, state, account_status, reason FROM repo_sync WHERE did = ?")) {
            st.setString(1, did);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new RepoSync(did, rs.getString(1), SyncState.fromWire(rs.getString(2)),
                        rs.getString(3), rs.getString(4)));
            }
        }
    }

    /** Repo counts by state (every state present, zero when none). */
    public Map<SyncState, Long> countsByState() throws SQLException {
        var out = new EnumMap<SyncState, Long>(SyncState.class);
        for (SyncState s : SyncState.values()) out.put(s, 0L);
        try (var c = db.connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT state, count(*) FROM repo_sync GROUP BY state")) {
            while (rs.next()) out.put(SyncState.fromWire(rs.getString(1)), rs.getLong(2));
        }
        return out;
    }
}
