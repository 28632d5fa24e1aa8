package dev.happyview.backfill;

import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * SQL for {@code backfill_repos}. Work is handed out by leases: a process claims repos with
 * {@code FOR UPDATE SKIP LOCKED}, renews its leases while it works, and a dead process's leases simply expire.
 */
final class RepoStore {
    private final Database db;

    RepoStore(Database db) {
        this.db = db;
    }

    /**
     * A repo this process holds a lease on. {@code lifetime} is the database lifetime the claim was made in: the
     * repo's completion counts only if it is still the same (docs/reliability.md).
     */
    record Claim(UUID jobId, String did, String owner, RepoStatus status, String pdsEndpoint, List<String> collections,
            int attempts, int collectionsVersion, UUID lifetime) {}

    /** What {@link #markCompleted} did. Only {@code COMPLETED} counts the repo as done. */
    enum Completion {
        COMPLETED,
        /** Discovery added a collection meanwhile: the repo goes back to be fetched for all of them. */
        COLLECTIONS_CHANGED,
        /** The database crashed or failed over since the claim and may have lost writes: the repo is fetched again. */
        LIFETIME_CHANGED,
        /** Another process holds the repo's lease now (this one stalled past it); that process records the outcome. */
        LEASE_LOST
    }

    /**
     * Inserts discovered DIDs for one collection, in the caller's transaction. A DID seen before under another
     * collection gains that collection (so it is fetched once for all of them); if it was already fetched, it goes
     * back to be fetched again for the new collection too, and a fetch in progress will see its version changed.
     */
    void insertDiscovered(Connection c, UUID jobId, Collection<String> dids, String collection) throws SQLException {
        if (dids.isEmpty()) return;
        try (var st = c.prepareStatement("""
                INSERT INTO backfill_repos (job_id, did, collections)
                SELECT ?, d, ARRAY[?]::text[] FROM unnest(?::text[]) AS d
                ON CONFLICT (job_id, did) DO UPDATE
                   SET collections = backfill_repos.collections || EXCLUDED.collections,
                       collections_version = backfill_repos.collections_version + 1,
                       status = CASE WHEN backfill_repos.status = 'completed' THEN 'resolved' ELSE backfill_repos.status END
                 WHERE NOT backfill_repos.collections @> EXCLUDED.collections""")) {
            st.setObject(1, jobId);
            st.setString(2, collection);
            st.setArray(3, c.createArrayOf("text", dids.toArray()));
            st.executeUpdate();
        }
    }

    /** Claims up to {@code limit} repos of the job in one state ({@code pending} to resolve, {@code resolved} to fetch). */
    List<Claim> claim(UUID jobId, RepoStatus state, String owner, int limit, Duration lease) throws SQLException {
        var claims = new ArrayList<Claim>();
        UUID lifetime;
        try (var c = db.connection();
                // MATERIALIZED: the pick must run exactly once; as a plain subquery the planner may rescan it
                // and each rescan with SKIP LOCKED picks new rows, blowing through the LIMIT.
                var st = c.prepareStatement("""
                        WITH picked AS MATERIALIZED (
                            SELECT did FROM backfill_repos
                             WHERE job_id = ? AND status = ?
                               AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                               AND (lease_expires_at IS NULL OR lease_expires_at < now())
                             LIMIT ? FOR UPDATE SKIP LOCKED)
                        UPDATE backfill_repos r
                           SET lease_owner = ?, lease_expires_at = now() + make_interval(secs => ?),
                               attempts = r.attempts + 1, updated_at = now()
                          FROM picked
                         WHERE r.job_id = ? AND r.did = picked.did
                     RETURNING r.did, r.status, r.pds_endpoint, r.collections, r.attempts, r.collections_version, %s"""
                        .formatted(Database.CURRENT_LIFETIME))) {
            st.setObject(1, jobId);
            st.setString(2, state.wire());
            st.setInt(3, limit);
            st.setString(4, owner);
            st.setDouble(5, lease.toMillis() / 1000.0);
            st.setObject(6, jobId);
            try (var rs = st.executeQuery()) {
                lifetime = null;
                while (rs.next()) {
                    lifetime = rs.getObject(7, UUID.class);
                    claims.add(new Claim(jobId, rs.getString(1), owner, RepoStatus.fromWire(rs.getString(2)),
                            rs.getString(3), List.of((String[]) rs.getArray(4).getArray()), rs.getInt(5), rs.getInt(6),
                            lifetime));
                }
            }
        }
        if (claims.isEmpty() || lifetime != null) return claims;
        // The marker is empty after a crash until some process sets a new lifetime. Set after this claim, it still
        // comes before every write of the work claimed, which is what the completion's check needs.
        UUID now = db.lifetime();
        return claims.stream().map(k -> new Claim(k.jobId(), k.did(), k.owner(), k.status(), k.pdsEndpoint(),
                k.collections(), k.attempts(), k.collectionsVersion(), now)).toList();
    }

    /**
     * Extends this owner's leases on the repos it is working on right now. Only those: a claim whose task died with
     * the database must expire, not be kept alive forever by its own process.
     */
    void renewLeases(String owner, UUID jobId, Collection<String> dids, Duration lease) throws SQLException {
        if (dids.isEmpty()) return;
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        UPDATE backfill_repos SET lease_expires_at = now() + make_interval(secs => ?)
                         WHERE job_id = ? AND lease_owner = ? AND did = ANY (?::text[])
                           AND status IN ('pending', 'resolved')""")) {
            st.setDouble(1, lease.toMillis() / 1000.0);
            st.setObject(2, jobId);
            st.setString(3, owner);
            st.setArray(4, c.createArrayOf("text", dids.toArray()));
            st.executeUpdate();
        }
    }

    /** Records the PDS and hands the repo on to the fetchers (lease given back, attempts start over). */
    void markResolved(Claim claim, String pdsEndpoint) throws SQLException {
        update("""
                UPDATE backfill_repos SET status = 'resolved', pds_endpoint = ?, attempts = 0, last_error = NULL,
                       lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
                 WHERE job_id = ? AND did = ? AND lease_owner = ?""", pdsEndpoint, claim.jobId(), claim.did(), claim.owner());
    }

    /**
     * Marks a fetched repo done, in one statement that checks what "done" depends on: the caller still holds the
     * lease (a process that stalled past its lease must not overwrite the outcome of the one that took over), no
     * collection was added meanwhile, and the database lifetime is the claim's, so every record written since the
     * claim is still there (WAL is one stream: this commit follows theirs, and whatever makes it durable makes them
     * durable). Otherwise the repo is given back, without counting the attempt, to be fetched again. {@code note}
     * (kept in {@code last_error}) names records that were left out, or is null.
     */
    Completion markCompleted(Claim claim, int records, String strategy, String note) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("""
                WITH now_is AS (SELECT coalesce(%s = ?, false) AS same_lifetime)
                UPDATE backfill_repos r
                   SET status = CASE WHEN r.collections_version = ? AND same_lifetime THEN 'completed' ELSE r.status END,
                       record_count = CASE WHEN r.collections_version = ? AND same_lifetime THEN ? ELSE r.record_count END,
                       attempts = CASE WHEN same_lifetime THEN r.attempts ELSE greatest(r.attempts - 1, 0) END,
                       fetch_strategy = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL,
                       next_attempt_at = NULL, updated_at = now()
                  FROM now_is
                 WHERE r.job_id = ? AND r.did = ? AND r.lease_owner = ?
             RETURNING r.status, same_lifetime""".formatted(Database.CURRENT_LIFETIME))) {
            st.setObject(1, claim.lifetime());
            st.setInt(2, claim.collectionsVersion());
            st.setInt(3, claim.collectionsVersion());
            st.setInt(4, records);
            st.setString(5, strategy);
            st.setString(6, note);
            st.setObject(7, claim.jobId());
            st.setString(8, claim.did());
            st.setString(9, claim.owner());
            try (var rs = st.executeQuery()) {
                if (!rs.next()) return Completion.LEASE_LOST;
                if (!rs.getBoolean(2)) return Completion.LIFETIME_CHANGED;
                return rs.getString(1).equals("completed") ? Completion.COMPLETED : Completion.COLLECTIONS_CHANGED;
            }
        }
    }

    /** Tap mode: the repos went to Tap. Only those this owner still holds a lease on. */
    void markHandedOff(UUID jobId, String owner, List<String> dids) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("""
                UPDATE backfill_repos SET status = 'handed_off', lease_owner = NULL, lease_expires_at = NULL,
                       last_error = NULL, updated_at = now()
                 WHERE job_id = ? AND did = ANY (?::text[]) AND lease_owner = ?""")) {
            st.setObject(1, jobId);
            st.setArray(2, c.createArrayOf("text", dids.toArray()));
            st.setString(3, owner);
            st.executeUpdate();
        }
    }

    void markEnded(Claim claim, RepoStatus status, String reason) throws SQLException {
        update("""
                UPDATE backfill_repos SET status = ?, last_error = ?, lease_owner = NULL, lease_expires_at = NULL,
                       next_attempt_at = NULL, updated_at = now()
                 WHERE job_id = ? AND did = ? AND lease_owner = ?""", status.wire(), reason, claim.jobId(), claim.did(),
                claim.owner());
    }

    void scheduleRetry(Claim claim, String reason, Instant notBefore) throws SQLException {
        update("""
                UPDATE backfill_repos SET last_error = ?, next_attempt_at = ?, lease_owner = NULL, lease_expires_at = NULL,
                       updated_at = now()
                 WHERE job_id = ? AND did = ? AND lease_owner = ?""", reason, Timestamp.from(notBefore), claim.jobId(),
                claim.did(), claim.owner());
    }

    /** Gives back this owner's unfinished claims on a job (cancel, shutdown) without counting an attempt. */
    void release(UUID jobId, String owner) throws SQLException {
        update("""
                UPDATE backfill_repos SET lease_owner = NULL, lease_expires_at = NULL, attempts = greatest(attempts - 1, 0)
                 WHERE job_id = ? AND lease_owner = ? AND status IN ('pending', 'resolved')""", jobId, owner);
    }

    /**
     * Gives back, without counting an attempt, this owner's claims on a job that no task of it works on any more:
     * those whose task could not record its outcome because the database was unavailable. Returns how many.
     */
    int releaseIdle(UUID jobId, String owner, Collection<String> working) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("""
                UPDATE backfill_repos SET lease_owner = NULL, lease_expires_at = NULL, attempts = greatest(attempts - 1, 0)
                 WHERE job_id = ? AND lease_owner = ? AND status IN ('pending', 'resolved')
                   AND NOT (did = ANY (?::text[]))""")) {
            st.setObject(1, jobId);
            st.setString(2, owner);
            st.setArray(3, c.createArrayOf("text", working.toArray()));
            return st.executeUpdate();
        }
    }

    Map<String, Long> countsByState() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT status, count(*) FROM backfill_repos GROUP BY status ORDER BY status")) {
            var counts = new LinkedHashMap<String, Long>();
            while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
            return counts;
        }
    }

    /** True while any process holds a live lease on one of the job's repos. */
    boolean hasLiveLeases(UUID jobId) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        SELECT 1 FROM backfill_repos WHERE job_id = ? AND status IN ('pending', 'resolved')
                           AND lease_expires_at > now() LIMIT 1""")) {
            st.setObject(1, jobId);
            try (var rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Repos of running jobs that wait to be fetched from one PDS host, and how many target collections they hold. */
    record HostQueue(long repos, long collections) {}

    /**
     * Per PDS host, the repos of running jobs resolved to it and not fetched yet (in flight included), plus its share
     * of the repos not resolved yet: resolution runs ahead of fetching, and a host's budget is not plentiful because
     * only the first of its repos are resolved. The share is the host's part of the repos resolved so far.
     */
    Map<String, HostQueue> queuedByHost() throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("""
                SELECT r.pds_endpoint, count(*) FILTER (WHERE r.status = 'resolved'),
                       coalesce(sum(greatest(1, cardinality(r.collections))) FILTER (WHERE r.status = 'resolved'), 0),
                       count(*), (SELECT count(*) FROM backfill_repos p JOIN backfill_jobs pj ON pj.id = p.job_id
                                   WHERE p.status = 'pending' AND pj.status = 'running')
                  FROM backfill_repos r JOIN backfill_jobs j ON j.id = r.job_id
                 WHERE j.status = 'running' AND r.pds_endpoint IS NOT NULL
                 GROUP BY r.pds_endpoint""")) {
            record Row(String host, long queued, long collections, long resolved, long pending) {}
            var rows = new ArrayList<Row>();
            long resolvedAll = 0;
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    var row = new Row(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5));
                    rows.add(row);
                    resolvedAll += row.resolved();
                }
            }
            var out = new HashMap<String, HostQueue>();
            for (Row r : rows) {
                long unresolved = Math.round((double) r.pending() * r.resolved() / resolvedAll);
                double collectionsPerRepo = r.queued() > 0 ? (double) r.collections() / r.queued() : 1;
                if (r.queued() + unresolved > 0) {
                    out.put(r.host(), new HostQueue(r.queued() + unresolved,
                            r.collections() + Math.round(unresolved * collectionsPerRepo)));
                }
            }
            return out;
        }
    }

    /**
     * Sends every repo of the running jobs that was completed from this PDS host back to be fetched again: the host
     * turned out not to end listings where this service assumed it did ({@link ListingEnds}).
     */
    int reopenCompletedOn(String pdsEndpoint) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("""
                UPDATE backfill_repos r
                   SET status = 'resolved', attempts = 0,
                       lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL, updated_at = now()
                  FROM backfill_jobs j
                 WHERE j.id = r.job_id AND j.status IN ('pending', 'running')
                   AND r.pds_endpoint = ? AND r.status = 'completed'""")) {
            st.setString(1, pdsEndpoint);
            return st.executeUpdate();
        }
    }

    List<BackfillRepo> list(UUID jobId, RepoStatus status, int limit, String afterDid) throws SQLException {
        var sql = new StringBuilder("SELECT * FROM backfill_repos WHERE job_id = ?");
        if (status != null) sql.append(" AND status = ?");
        if (afterDid != null) sql.append(" AND did > ?");
        sql.append(" ORDER BY did LIMIT ?");
        try (var c = db.connection(); var st = c.prepareStatement(sql.toString())) {
            int i = 1;
            st.setObject(i++, jobId);
            if (status != null) st.setString(i++, status.wire());
            if (afterDid != null) st.setString(i++, afterDid);
            st.setInt(i, limit);
            var repos = new ArrayList<BackfillRepo>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) repos.add(read(rs));
            }
            return repos;
        }
    }

    private void update(String sql, Object... params) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) st.setObject(i + 1, params[i]);
            st.executeUpdate();
        }
    }

    private static BackfillRepo read(ResultSet rs) throws SQLException {
        return new BackfillRepo(
                rs.getString("did"),
                RepoStatus.fromWire(rs.getString("status")),
                rs.getString("pds_endpoint"),
                List.of((String[]) rs.getArray("collections").getArray()),
                rs.getInt("record_count"),
                rs.getInt("attempts"),
                rs.getString("last_error"),
                rs.getString("fetch_strategy"),
                instant(rs.getTimestamp("next_attempt_at")),
                instant(rs.getTimestamp("updated_at")));
    }

    private static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
