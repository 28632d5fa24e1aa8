package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

/**
 * Reads one job's state from its database through a new connection each time, so a test can keep watching while the
 * database server crashes and comes back. Every read answers -1 or null while the server is down.
 */
final class JobProbe {
    private final String jdbcUrl;
    private final String jobId;
    /** Epoch millis just before the last crash, or 0. */
    private volatile long lastCrashMillis;

    JobProbe(String jdbcUrl, String jobId) {
        this.jdbcUrl = jdbcUrl;
        this.jobId = jobId;
    }

    /** Repos of the job in {@code completed}. */
    int completedRepos() {
        return count("SELECT count(*) FROM backfill_repos WHERE job_id = ?::uuid AND status = 'completed'");
    }

    /** Repos discovery has saved so far. */
    int discoveredRepos() {
        return count("SELECT count(*) FROM backfill_repos WHERE job_id = ?::uuid");
    }

    boolean discoveryDone() {
        return "true".equals(text("SELECT discovery_done::text FROM backfill_jobs WHERE id = ?::uuid"));
    }

    String status() {
        return text("SELECT status FROM backfill_jobs WHERE id = ?::uuid");
    }

    /**
     * Asserts the job ended after the last crash began: with the check before each crash, the job was unfinished at
     * every one of them (a crash that landed after the end would prove nothing).
     */
    void assertEndedAfterTheLastCrash() {
        String ended = text("SELECT (extract(epoch FROM completed_at) * 1000)::bigint::text FROM backfill_jobs WHERE id = ?::uuid");
        assertThat(ended).as("the job's end").isNotNull();
        assertThat(Long.parseLong(ended)).as("the job ended after the last crash").isGreaterThan(lastCrashMillis);
    }

    private int count(String sql) {
        String n = text(sql);
        return n == null ? -1 : Integer.parseInt(n);
    }

    private String text(String sql) {
        try (var c = DriverManager.getConnection(jdbcUrl); var st = c.prepareStatement(sql)) {
            st.setQueryTimeout(5);
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            return null;
        }
    }

    interface Crash {
        void run() throws Exception;
    }

    /**
     * Waits for {@code when}, checks the job is still unfinished, crashes the database, and notes how many completed
     * repos the crash took back.
     */
    static void crashWhen(String point, BooleanSupplier when, JobProbe probe, Crash crash, List<String> log)
            throws Exception {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(5)).until(when::getAsBoolean);
        int before = probe.completedRepos();
        assertThat(probe.status()).as("the job is unfinished when the database crashes at " + point).isEqualTo("running");
        probe.lastCrashMillis = System.currentTimeMillis();
        crash.run();
        await().atMost(Duration.ofSeconds(30)).until(() -> probe.completedRepos() >= 0);
        int after = probe.completedRepos();
        log.add(point + ": " + before + " repos completed before, " + after + " after recovery");
    }

    /**
     * {@link #crashWhen} with the PDS holding every listing from the moment {@code when} holds until the crash is over,
     * so the repos in flight cannot finish the job before the crash however fast the machine is. {@code when} must
     * leave more repos to do than the job fetches at once: a repo in flight may have had its last page already.
     */
    static void crashWhenHoldingThePds(String point, BooleanSupplier when, JobProbe probe, MiniNetwork net, Crash crash,
            List<String> log) throws Exception {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(5)).until(when::getAsBoolean);
        var hold = new CountDownLatch(1);
        net.pdsHold = hold;
        try {
            crashWhen(point, () -> true, probe, crash, log);
        } finally {
            net.pdsHold = null;
            hold.countDown();
        }
    }

    /** Prints, per repo with records missing from the index, what the job says about it (the failure's evidence). */
    static void describeLoss(Connection c, String jobId, MiniNetwork net) throws Exception {
        var indexed = new HashSet<String>();
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri FROM records")) {
            while (rs.next()) indexed.add(rs.getString(1));
        }
        var missingByDid = new TreeMap<String, Integer>();
        for (String uri : net.groundTruth().keySet()) {
            if (!indexed.contains(uri)) missingByDid.merge(uri.split("/")[2], 1, Integer::sum);
        }
        if (missingByDid.isEmpty()) return;
        var lines = new StringBuilder("records missing: " + missingByDid.values().stream().mapToInt(i -> i).sum()
                + " in " + missingByDid.size() + " repos\n");
        try (var st = c.prepareStatement(
                "SELECT status, record_count FROM backfill_repos WHERE job_id = ?::uuid AND did = ?")) {
            for (var e : missingByDid.entrySet()) {
                st.setString(1, jobId);
                st.setString(2, e.getKey());
                try (var rs = st.executeQuery()) {
                    lines.append("  ").append(e.getKey()).append(": ").append(e.getValue()).append(" missing; repo ")
                            .append(rs.next() ? rs.getString(1) + " with record_count " + rs.getInt(2) : "absent")
                            .append('\n');
                }
            }
        }
        System.out.print(lines);
    }
}
