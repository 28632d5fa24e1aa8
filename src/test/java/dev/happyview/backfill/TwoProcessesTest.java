package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.Json;
import dev.happyview.protocol.syntax.Tid;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Two service processes (separate JVMs) on one job and one database. */
class TwoProcessesTest {

    static Map<String, String> env(String db, MiniNetwork net, String leaseSeconds) {
        return Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY, "ALLOW_PRIVATE_NETWORK", "true",
                "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(), "BACKFILL_LEASE_SECONDS", leaseSeconds,
                "BACKFILL_CONCURRENCY", "8", "BACKFILL_STRATEGY", "list-records", "BACKFILL_HOST_RATE", "1000");
    }

    @Test
    void bothWorkOnTheJobAndACancelSentToEitherStopsBoth() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = new MiniNetwork(COLLECTION, 400, 200); var c = DriverManager.getConnection(db)) {
            net.pdsLatencyMillis = 100;
            var env = env(db, net, "5");
            try (var a = ServiceProcess.start(env); var b = ServiceProcess.start(env)) {
                BackfillCrashResumeTest.send(a.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                String id = BackfillCrashResumeTest.post(a.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                var workers = new HashSet<Long>();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    workers.addAll(leaseHolders(c, id));
                    return workers.contains(a.pid()) && workers.contains(b.pid());
                });
                assertThat(BackfillCrashResumeTest.status(c, id)).isEqualTo("running");

                // Through the process that did not create the job.
                BackfillCrashResumeTest.send(b.url() + "/admin/backfill/" + id + "/cancel", "", 200);
                await().atMost(Duration.ofSeconds(60)).until(() -> BackfillCrashResumeTest.status(c, id).equals("cancelled"));
                long endedAt = scalar(c, "SELECT (extract(epoch FROM completed_at) * 1000)::bigint FROM backfill_jobs WHERE id = ?::uuid", id);
                Thread.sleep(1000); // a fetch either process started after the end would have reached the PDS by now

                assertThat(net.pds.requests().stream().filter(r -> r.atMillis() > endedAt + 50))
                        .as("PDS requests after the job ended").isEmpty();
                assertThat(scalar(c, "SELECT count(*) FROM backfill_repos WHERE job_id = ?::uuid AND lease_owner IS NOT NULL", id))
                        .as("leases left behind").isZero();
                assertThat(scalar(c, "SELECT count(*) FROM backfill_repos WHERE job_id = ?::uuid AND status IN ('pending', 'resolved')", id))
                        .as("repos the cancel left unfetched").isPositive();
                try (var st = c.prepareStatement("""
                        SELECT j.total_repos = count(r.*), j.processed_repos = count(r.*) FILTER (WHERE r.status IN ('completed', 'failed', 'skipped')),
                               j.total_records = coalesce(sum(r.record_count) FILTER (WHERE r.status = 'completed'), 0)
                          FROM backfill_jobs j JOIN backfill_repos r ON r.job_id = j.id WHERE j.id = ?::uuid
                         GROUP BY j.total_repos, j.processed_repos, j.total_records""")) {
                    st.setString(1, id);
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        assertThat(new boolean[] {rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3)})
                                .as("the cancelled job's counters equal its repos'").containsOnly(true);
                    }
                }
                for (var process : new ServiceProcess[] {a, b}) {
                    assertThat(get(process.url() + "/health")).as("both processes still serve").isEqualTo(200);
                }
            }
        }
    }

    /**
     * A process holding leases is stopped (SIGSTOP) past them with eight fetches in flight; the other process takes the
     * repos over, fetches them again (each has gained a record meanwhile) and completes the job. When the stalled
     * process resumes (SIGCONT), its eight fetches finish with the old data, and its completions must be refused: it no
     * longer holds the leases.
     */
    @Test
    void aProcessStalledPastItsLeaseCannotOverwriteWhatTheProcessThatTookOverRecorded() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        int repos = 12;
        try (var net = new MiniNetwork(COLLECTION, repos, 50); var c = DriverManager.getConnection(db)) {
            net.cursorOnlyOnFullPages = true; // one request per repo: nothing left to ask for after the stall
            var hold = new CountDownLatch(1);
            net.pdsHold = hold; // the first process's listings stay in flight until it is stopped
            var env = env(db, net, "3");
            try (var a = ServiceProcess.start(env)) {
                BackfillCrashResumeTest.send(a.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                String id = BackfillCrashResumeTest.post(a.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                // The PDS's first listing is answered (the client sends it alone), the next eight are held.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> net.pds.requests().stream()
                        .filter(r -> r.path().contains("/com.atproto.repo.listRecords")).count() >= 9);
                signal(a, "STOP");
                try {
                    assertThat(net.pdsPagesSent.get()).as("PDS answers before the stall").isEqualTo(1);
                    var completedBefore = BackfillCrashResumeTest.completed(c, id);
                    assertThat(completedBefore).as("repos completed before the stall").hasSizeLessThanOrEqualTo(1);
                    Thread.sleep(4000); // past the 3 s leases
                    // The stopped process's requests are answered now, with 50 records each; then every repo gains one.
                    net.pdsHold = null;
                    hold.countDown();
                    await().atMost(Duration.ofSeconds(30)).until(() -> net.pdsPagesSent.get() >= 9);
                    net.repos.forEach((did, records) -> {
                        if (!completedBefore.contains(did)) addRecord(records);
                    });
                    try (var b = ServiceProcess.start(env)) {
                        await().atMost(Duration.ofSeconds(60)).until(() -> BackfillCrashResumeTest.status(c, id).equals("completed"));
                        int changed = repos - completedBefore.size();
                        assertRecordCounts(c, id, changed, 51, completedBefore.size() * 50L);

                        signal(a, "CONT");
                        await().atMost(Duration.ofSeconds(30)).until(() -> a.output().stream()
                                .filter(line -> line.contains("its lease passed to another process")).count() >= 8);
                        assertRecordCounts(c, id, changed, 51, completedBefore.size() * 50L);
                        BackfillCrashResumeTest.assertExact(c, id, net.groundTruth(), repos, changed * 51L + completedBefore.size() * 50L);
                    }
                } finally {
                    hold.countDown();
                    new ProcessBuilder("kill", "-CONT", Long.toString(a.pid())).start().waitFor(); // in any case
                }
            }
        }
    }

    private static void addRecord(TreeMap<String, ObjectNode> records) {
        ObjectNode v = Json.MAPPER.createObjectNode().put("$type", COLLECTION).put("text", "added while stalled")
                .put("createdAt", "2024-01-02T00:00:00.000Z");
        records.put(Tid.of(1_800_000_000_000_000L, 1), v);
    }

    /** {@code repos} repos completed with {@code each} records, and the job's total is theirs plus {@code others}. */
    private static void assertRecordCounts(Connection c, String id, int repos, int each, long others) throws Exception {
        assertThat(scalar(c, "SELECT count(*) FROM backfill_repos WHERE job_id = ?::uuid AND status = 'completed' AND record_count = " + each, id))
                .as("repos completed with " + each + " records").isEqualTo(repos);
        assertThat(scalar(c, "SELECT total_records FROM backfill_jobs WHERE id = ?::uuid", id)).isEqualTo(repos * each + others);
    }

    /** Process ids of the processes holding leases on the job's repos right now. */
    private static Set<Long> leaseHolders(Connection c, String id) throws Exception {
        var pids = new HashSet<Long>();
        try (var st = c.prepareStatement("""
                SELECT DISTINCT split_part(split_part(lease_owner, '/', 1), '@', 1)::bigint
                  FROM backfill_repos WHERE job_id = ?::uuid AND lease_owner IS NOT NULL""")) {
            st.setString(1, id);
            try (var rs = st.executeQuery()) {
                while (rs.next()) pids.add(rs.getLong(1));
            }
        }
        return pids;
    }

    private static long scalar(Connection c, String sql, String id) throws Exception {
        try (var st = c.prepareStatement(sql)) {
            st.setString(1, id);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void signal(ServiceProcess p, String signal) throws Exception {
        var kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private static int get(String url) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        }
    }
}
