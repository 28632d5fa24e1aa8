package dev.happyview.firehose;

import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs desynchronized repos: each is fetched whole again ({@code getRepo}, verified) by a backfill job of that repo
 * with pruning on, which writes what the fetch holds and deletes what it no longer holds — creates, updates and
 * deletes — while the hand-off buffers the repo's live events and replays them afterwards while they chain. The queue
 * is the sync state itself ({@code state = 'desynchronized'}), so a repair survives a restart; a repo is taken when
 * its previous resync job has ended and its backoff has passed (1 s after a new gap, doubling with each resync that
 * did not bring it back in sync, up to 10 minutes). Only active accounts are fetched: one that an {@code #account}
 * event or its own host reported deleted, taken down, suspended or deactivated waits for an event saying it is active
 * again. Every resync is
 * logged with the kind of gap that asked for it ({@code live_resyncs}) and counted per repo.
 */
final class Resyncer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Resyncer.class);
    private static final int BATCH = 50;

    /** One resync started. */
    record Started(String did, String kind, String detail, UUID jobId, Instant startedAt) {}

    /** A repo and its resyncs. */
    record RepoResyncs(String did, String state, int resyncs, String lastKind, String reason, Instant lastAt) {}

    private final Database db;
    private final ResyncJobs jobs;
    private final Object wake = new Object();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean woken;

    Resyncer(Database db, ResyncJobs jobs) {
        this.db = db;
        this.jobs = jobs;
        this.thread = Thread.ofPlatform().daemon().name("firehose-resyncs").start(this::loop);
    }

    /** New gaps were committed: look at once instead of at the next tick. */
    void wake() {
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    private void loop() {
        while (running) {
            try {
                int started = startDue();
                if (started == BATCH) continue;
            } catch (Exception e) {
                log.warn("firehose resyncs: {}", e.toString());
            }
            synchronized (wake) {
                try {
                    if (!woken && running) wake.wait(1000);
                } catch (InterruptedException e) {
                    return;
                }
                woken = false;
            }
        }
    }

    /** Starts the resyncs that are due; returns how many. */
    int startDue() throws SQLException {
        int started = 0;
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                var due = new ArrayList<Object[]>();
                try (var st = c.prepareStatement("""
                        SELECT did, coalesce(gap_kind, 'other'), reason, resync_job FROM repo_sync
                         WHERE state = 'desynchronized' AND coalesce(account_status, 'active') = 'active'
                           AND (resync_at IS NULL
                                OR resync_at < now() - make_interval(secs => least(600, power(2, resync_attempts))))
                         ORDER BY updated_at LIMIT ? FOR UPDATE SKIP LOCKED""")) {
                    st.setInt(1, BATCH);
                    try (var rs = st.executeQuery()) {
                        while (rs.next()) due.add(new Object[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class)});
                    }
                }
                for (Object[] d : due) {
                    String did = (String) d[0];
                    UUID previous = (UUID) d[3];
                    try {
                        if (previous != null && jobs.active(previous)) continue;
                        UUID job = jobs.start(did);
                        started(c, did, (String) d[1], (String) d[2], job);
                        started++;
                    } catch (SQLException e) {
                        throw e;
                    } catch (Exception e) {
                        log.warn("firehose: could not start the resync of {}: {}", did, e.toString());
                        postpone(c, did);
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return started;
    }

    private static void started(Connection c, String did, String kind, String detail, UUID job) throws SQLException {
        try (var st = c.prepareStatement("""
                UPDATE repo_sync SET resync_count = resync_count + 1, resync_attempts = resync_attempts + 1,
                       resync_at = now(), resync_job = ?, gap_kind = NULL
                 WHERE did = ?""")) {
            st.setObject(1, job);
            st.setString(2, did);
            st.executeUpdate();
        }
        try (var st = c.prepareStatement("INSERT INTO live_resyncs (did, kind, detail, job_id) VALUES (?, ?, ?, ?)")) {
            st.setString(1, did);
            st.setString(2, kind);
            st.setString(3, detail == null ? null : ChainStore.abbreviate(detail));
            st.setObject(4, job);
            st.executeUpdate();
        }
        log.info("firehose: resync of {} ({}: {}), job {}", did, kind, detail, job);
    }

    /** A resync that could not be started is tried again after the backoff, like one that did not succeed. */
    private static void postpone(Connection c, String did) throws SQLException {
        try (var st = c.prepareStatement(
                "UPDATE repo_sync SET resync_attempts = resync_attempts + 1, resync_at = now() WHERE did = ?")) {
            st.setString(1, did);
            st.executeUpdate();
        }
    }

    /** The newest resyncs first. */
    List<Started> recent(int limit) throws SQLException {
        try (Connection c = db.connection(); var st = c.prepareStatement(
                "SELECT did, kind, detail, job_id, started_at FROM live_resyncs ORDER BY id DESC LIMIT ?")) {
            st.setInt(1, limit);
            var out = new ArrayList<Started>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(new Started(rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, UUID.class),
                            rs.getTimestamp(5).toInstant()));
                }
            }
            return out;
        }
    }

    /** Repos that were resynced, most resyncs first; or one repo's when {@code did} is given. */
    List<RepoResyncs> repos(String did, int limit) throws SQLException {
        try (Connection c = db.connection(); var st = c.prepareStatement("""
                SELECT s.did, s.state, s.resync_count, l.kind, s.reason, s.resync_at FROM repo_sync s
                  LEFT JOIN LATERAL (SELECT kind FROM live_resyncs r WHERE r.did = s.did ORDER BY id DESC LIMIT 1) l ON true
                 WHERE s.resync_count > 0 AND (?::text IS NULL OR s.did = ?)
                 ORDER BY s.resync_count DESC, s.did LIMIT ?""")) {
            st.setString(1, did);
            st.setString(2, did);
            st.setInt(3, limit);
            var out = new ArrayList<RepoResyncs>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    Timestamp at = rs.getTimestamp(6);
                    out.add(new RepoResyncs(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), rs.getString(5),
                            at == null ? null : at.toInstant()));
                }
            }
            return out;
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
