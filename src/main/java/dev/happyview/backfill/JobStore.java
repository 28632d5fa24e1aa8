package dev.happyview.backfill;

import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** SQL for the {@code backfill_jobs} table. */
final class JobStore {
    private final Database db;

    JobStore(Database db) {
        this.db = db;
    }

    record NewJob(UUID id, String collection, String did, List<String> dids, List<String> collections,
            BackfillMode mode, String strategy, boolean prune, boolean refetch) {}

    void insert(NewJob job) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        INSERT INTO backfill_jobs (id, collection, did, collections, mode, strategy, prune, refetch, dids,
                                                   status, stage)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 'pending')""")) {
            st.setObject(1, job.id());
            st.setString(2, job.collection());
            st.setString(3, job.did());
            st.setArray(4, c.createArrayOf("text", job.collections().toArray()));
            st.setString(5, job.mode().wire());
            st.setString(6, job.strategy());
            st.setBoolean(7, job.prune());
            st.setBoolean(8, job.refetch());
            st.setArray(9, c.createArrayOf("text", job.dids().toArray()));
            st.executeUpdate();
        }
    }

    Optional<BackfillJob> find(UUID id) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT * FROM backfill_jobs WHERE id = ?")) {
            st.setObject(1, id);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    /** Newest first; the cursor is the (created_at, id) of the last job of the previous page. */
    List<BackfillJob> list(int limit, Instant afterCreatedAt, UUID afterId) throws SQLException {
        String sql = afterCreatedAt == null
                ? "SELECT * FROM backfill_jobs ORDER BY created_at DESC, id DESC LIMIT ?"
                : "SELECT * FROM backfill_jobs WHERE (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?";
        try (var c = db.connection(); var st = c.prepareStatement(sql)) {
            int i = 1;
            if (afterCreatedAt != null) {
                st.setTimestamp(i++, Timestamp.from(afterCreatedAt));
                st.setObject(i++, afterId);
            }
            st.setInt(i, limit);
            var jobs = new ArrayList<BackfillJob>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) jobs.add(read(rs));
            }
            return jobs;
        }
    }

    /** Jobs some process should be working on, oldest first (that order is also the order jobs get repo slots). */
    List<UUID> activeJobIds() throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement(
                        "SELECT id FROM backfill_jobs WHERE status IN ('pending', 'running', 'cancelling') ORDER BY created_at, id");
                var rs = st.executeQuery()) {
            var ids = new ArrayList<UUID>();
            while (rs.next()) ids.add(rs.getObject(1, UUID.class));
            return ids;
        }
    }

    /**
     * Takes or renews the job's coordinator lease (discovery, progress, completion). True when this owner holds it;
     * a lease whose holder died expires and can be taken over.
     */
    boolean tryCoordinate(UUID id, String owner, Duration ttl) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        UPDATE backfill_jobs
                           SET coordinator = ?, coordinator_expires_at = now() + make_interval(secs => ?),
                               status = CASE WHEN status = 'pending' THEN 'running' ELSE status END,
                               started_at = coalesce(started_at, now()),
                               stage = CASE WHEN stage = 'pending' THEN 'discovering_repos' ELSE stage END,
                               updated_at = now()
                         WHERE id = ? AND status IN ('pending', 'running', 'cancelling')
                           AND (coordinator IS NULL OR coordinator = ? OR coordinator_expires_at < now())""")) {
            st.setString(1, owner);
            st.setDouble(2, ttl.toMillis() / 1000.0);
            st.setObject(3, id);
            st.setString(4, owner);
            return st.executeUpdate() == 1;
        }
    }

    void releaseCoordinator(UUID id, String owner) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement(
                        "UPDATE backfill_jobs SET coordinator = NULL, coordinator_expires_at = NULL WHERE id = ? AND coordinator = ?")) {
            st.setObject(1, id);
            st.setString(2, owner);
            st.executeUpdate();
        }
    }

    /** Saves where discovery stands, in the caller's transaction (the same one that inserted the page's repos). */
    void saveDiscoveryProgress(Connection c, UUID id, int index, String cursor, boolean done) throws SQLException {
        try (var st = c.prepareStatement("""
                UPDATE backfill_jobs SET discovery_index = ?, discovery_cursor = ?, discovery_done = ?,
                       total_repos = (SELECT count(*) FROM backfill_repos WHERE job_id = ?), updated_at = now()
                 WHERE id = ?""")) {
            st.setInt(1, index);
            st.setString(2, cursor);
            st.setBoolean(3, done);
            st.setObject(4, id);
            st.setObject(5, id);
            st.executeUpdate();
        }
    }

    /** The exact per-repo counts, recomputed from {@code backfill_repos}. */
    record Progress(int total, int resolved, int processed, int failed, int skipped, int handedOff, int pending,
            int unfetched, long records) {}

    Progress progress(UUID id) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        SELECT count(*),
                               count(*) FILTER (WHERE pds_endpoint IS NOT NULL),
                               count(*) FILTER (WHERE status IN ('completed', 'failed', 'skipped', 'handed_off')),
                               count(*) FILTER (WHERE status = 'failed'),
                               count(*) FILTER (WHERE status = 'skipped'),
                               count(*) FILTER (WHERE status = 'handed_off'),
                               count(*) FILTER (WHERE status = 'pending'),
                               count(*) FILTER (WHERE status IN ('pending', 'resolved')),
                               coalesce(sum(record_count) FILTER (WHERE status = 'completed'), 0)
                          FROM backfill_repos WHERE job_id = ?""")) {
            st.setObject(1, id);
            try (var rs = st.executeQuery()) {
                rs.next();
                return new Progress(rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                        rs.getInt(7), rs.getInt(8), rs.getLong(9));
            }
        }
    }

    void saveProgress(UUID id, Progress p, JobStage stage, double recordsPerSecond, double reposPerSecond)
            throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        UPDATE backfill_jobs SET total_repos = ?, resolved_repos = ?, processed_repos = ?, failed_repos = ?,
                               skipped_repos = ?, handed_off_repos = ?, total_records = ?, stage = ?,
                               records_per_second = ?, repos_per_second = ?, updated_at = now()
                         WHERE id = ? AND status IN ('running', 'cancelling')""")) {
            bindProgress(st, p);
            st.setString(8, stage.wire());
            st.setDouble(9, recordsPerSecond);
            st.setDouble(10, reposPerSecond);
            st.setObject(11, id);
            st.executeUpdate();
        }
    }

    /** Ends a job with exact counters. Only a job in one of {@code from} changes; returns whether it did. */
    boolean finish(UUID id, JobStatus to, JobStage stage, Progress p, String error, JobStatus... from)
            throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        UPDATE backfill_jobs SET total_repos = ?, resolved_repos = ?, processed_repos = ?, failed_repos = ?,
                               skipped_repos = ?, handed_off_repos = ?, total_records = ?, stage = ?, status = ?, error = ?,
                               completed_at = now(), updated_at = now(), coordinator = NULL, coordinator_expires_at = NULL,
                               records_per_second = CASE WHEN started_at IS NULL OR now() <= started_at THEN 0
                                   ELSE ? / extract(epoch FROM now() - started_at) END,
                               repos_per_second = 0
                         WHERE id = ? AND status = ANY (?)""")) {
            bindProgress(st, p);
            st.setString(8, stage.wire());
            st.setString(9, to.wire());
            st.setString(10, error);
            st.setDouble(11, p.records());
            st.setObject(12, id);
            st.setArray(13, c.createArrayOf("text", Arrays.stream(from).map(JobStatus::wire).toArray()));
            return st.executeUpdate() == 1;
        }
    }

    /** Two-phase cancel, first phase: running or pending jobs become {@code cancelling}. */
    boolean requestCancel(UUID id) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("""
                        UPDATE backfill_jobs SET status = 'cancelling', updated_at = now()
                         WHERE id = ? AND status IN ('pending', 'running')""")) {
            st.setObject(1, id);
            return st.executeUpdate() == 1;
        }
    }

    Optional<JobStatus> status(UUID id) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT status FROM backfill_jobs WHERE id = ?")) {
            st.setObject(1, id);
            try (var rs = st.executeQuery()) {
                return rs.next() ? Optional.of(JobStatus.fromWire(rs.getString(1))) : Optional.empty();
            }
        }
    }

    java.util.Map<String, Long> countsByStatus() throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("SELECT status, count(*) FROM backfill_jobs GROUP BY status ORDER BY status");
                var rs = st.executeQuery()) {
            var counts = new java.util.LinkedHashMap<String, Long>();
            while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
            return counts;
        }
    }

    private static void bindProgress(java.sql.PreparedStatement st, Progress p) throws SQLException {
        st.setInt(1, p.total());
        st.setInt(2, p.resolved());
        st.setInt(3, p.processed());
        st.setInt(4, p.failed());
        st.setInt(5, p.skipped());
        st.setInt(6, p.handedOff());
        st.setLong(7, p.records());
    }

    private static BackfillJob read(ResultSet rs) throws SQLException {
        return new BackfillJob(
                rs.getObject("id", UUID.class),
                rs.getString("collection"),
                rs.getString("did"),
                List.of((String[]) rs.getArray("dids").getArray()),
                JobStatus.fromWire(rs.getString("status")),
                JobStage.fromWire(rs.getString("stage")),
                BackfillMode.fromWire(rs.getString("mode")),
                rs.getString("strategy"),
                rs.getBoolean("prune"),
                rs.getBoolean("refetch"),
                List.of((String[]) rs.getArray("collections").getArray()),
                rs.getBoolean("discovery_done"),
                rs.getInt("discovery_index"),
                rs.getString("discovery_cursor"),
                rs.getInt("total_repos"),
                rs.getInt("resolved_repos"),
                rs.getInt("processed_repos"),
                rs.getInt("failed_repos"),
                rs.getInt("skipped_repos"),
                rs.getInt("handed_off_repos"),
                rs.getLong("total_records"),
                rs.getDouble("records_per_second"),
                rs.getDouble("repos_per_second"),
                rs.getString("error"),
                instant(rs, "created_at"),
                instant(rs, "started_at"),
                instant(rs, "completed_at"),
                instant(rs, "updated_at"));
    }

    private static Instant instant(ResultSet rs, String col) throws SQLException {
        Timestamp ts = rs.getTimestamp(col);
        return ts == null ? null : ts.toInstant();
    }
}
