package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static dev.happyview.backfill.BackfillEngineTest.awaitEnd;
import static dev.happyview.backfill.BackfillEngineTest.indexed;
import static dev.happyview.backfill.BackfillEngineTest.uploadRecordLexicon;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.testing.ScriptedServer;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackfillFaultsTest {

    @Test
    void aRateLimitedPdsIsNeverAskedBeforeItsResetAndTheJobStillCompletesExactly() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 20, 250); var app = BackfillEngineTest.app(net)) {
            net.pdsLimit = 15; // 20 repos × 4 pages = 80 requests: several windows
            net.pdsWindowSeconds = 1;
            uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            JsonNode job = awaitEnd(app, id);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            for (long[] limited : net.rateLimited) {
                for (var r : net.pds.requests()) {
                    assertThat(r.atMillis() <= limited[0] || r.atMillis() >= limited[1])
                            .as("request at %d between a 429 at %d and its reset %d", r.atMillis(), limited[0], limited[1])
                            .isTrue();
                }
            }
            // Pacing by the announced budget keeps 429s rare (at most about one per window from in-flight races).
            assertThat(net.rateLimited.size()).isLessThanOrEqualTo(6);
        }
    }

    @Test
    void aRelayThatKeepsFailingFailsTheJobWithAClearError() throws Exception {
        try (var relay = new ScriptedServer((ex, n) -> ScriptedServer.send(ex, 502, "text/html", "<h1>Bad Gateway</h1>"));
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, relay.url()))) {
            uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            JsonNode job = awaitEnd(app, id);
            assertThat(job.get("status").asText()).isEqualTo("failed");
            assertThat(job.get("stage").asText()).isEqualTo("discovering_repos");
            assertThat(job.get("error").asText()).contains("relay").contains("502");
            assertThat(relay.requests().size()).isBetween(2, 10); // retried, but bounded
        }
    }

    @Test
    void sigtermStopsTheServiceQuicklyAndGivesItsClaimsBack() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = new MiniNetwork(COLLECTION, 40, 300)) {
            net.pdsLatencyMillis = 50;
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "600", "BACKFILL_CONCURRENCY", "6", "BACKFILL_STRATEGY", "list-records");
            try (var c = DriverManager.getConnection(db)) {
                String jobId;
                try (var first = ServiceProcess.start(env)) {
                    BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                    jobId = BackfillCrashResumeTest.post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                    await().atMost(Duration.ofSeconds(60)).until(() -> BackfillCrashResumeTest.completed(c, jobId).size() >= 5);
                    long t0 = System.nanoTime();
                    // 143 = 128 + SIGTERM: the JVM's normal exit status after its shutdown hooks ran.
                    assertThat(first.terminate(Duration.ofSeconds(30))).isIn(0, 143);
                    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
                }
                try (var st = c.prepareStatement("SELECT count(*) FROM backfill_repos WHERE lease_owner IS NOT NULL")) {
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).as("claims left behind").isZero();
                    }
                }
                // Leases last 10 minutes here, so only released claims let a second process finish promptly.
                try (var second = ServiceProcess.start(env)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> BackfillCrashResumeTest.status(c, jobId).equals("completed"));
                }
            }
        }
    }

    /**
     * The way operators run it: embedded Postgres, default concurrency (256 repos at a time). SIGTERM must drain the
     * in-flight repos while the database is still up (it is stopped last), so no write fails on the way out: the
     * database left behind holds no claim, no repo error, and every repo marked completed has exactly its records.
     */
    @Test
    void sigtermWithTheEmbeddedDatabaseDrainsWithoutAFailedWrite() throws Exception {
        Path dataDir = Files.createTempDirectory("happyview-sigterm");
        int repos = 400;
        try (var net = new MiniNetwork(COLLECTION, repos, 60)) {
            net.pdsLatencyMillis = 30;
            Map<String, String> env = Map.of("DATA_DIR", dataDir.toString(), "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "600", "BACKFILL_HOST_RATE", "1000");
            String jobId;
            long exitMillis;
            try (var first = ServiceProcess.start(env)) {
                BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                jobId = BackfillCrashResumeTest.post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                await().atMost(Duration.ofSeconds(60)).until(() -> job(first.url(), jobId).get("processed_repos").asInt() >= 20);
                long t0 = System.nanoTime();
                assertThat(first.terminate(Duration.ofSeconds(60))).isIn(0, 143);
                exitMillis = (System.nanoTime() - t0) / 1_000_000;
            }
            System.out.printf("SIGTERM with the embedded database: exited in %d ms%n", exitMillis);
            assertThat(exitMillis).isLessThan(10_000);
            Map<String, String> truth = net.groundTruth();
            try (var pg = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), true);
                    var c = DriverManager.getConnection(pg.jdbcUrl("postgres"))) {
                assertThat(count(c, jobId, "lease_owner IS NOT NULL")).as("claims left behind").isZero();
                assertThat(count(c, jobId, "last_error IS NOT NULL OR status IN ('failed', 'skipped')"))
                        .as("repos whose work failed during the shutdown").isZero();
                Set<String> completed = BackfillCrashResumeTest.completed(c, jobId);
                assertThat(completed.size()).as("repos completed before the SIGTERM").isBetween(20, repos - 1);
                var indexed = new HashMap<String, String>();
                try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri, cid, did FROM records")) {
                    while (rs.next()) if (completed.contains(rs.getString(3))) indexed.put(rs.getString(1), rs.getString(2));
                }
                var expected = new HashMap<>(truth);
                expected.keySet().removeIf(uri -> !completed.contains(uri.substring(5, uri.indexOf('/', 5))));
                assertThat(indexed).as("the records of every repo marked completed").isEqualTo(expected);
            }
            // Leases last 10 minutes: only claims given back let the restarted service finish the job.
            try (var second = ServiceProcess.start(env)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> job(second.url(), jobId).get("status").asText().equals("completed"));
            }
            try (var pg = EmbeddedPostgresServer.start(dataDir.resolve("postgres"), true);
                    var c = DriverManager.getConnection(pg.jdbcUrl("postgres"))) {
                BackfillCrashResumeTest.assertExact(c, jobId, truth, repos, truth.size());
            }
        } finally {
            EmbeddedPostgresServer.deleteTree(dataDir);
        }
    }

    /** The job's repos matching {@code condition}. */
    private static int count(Connection c, String jobId, String condition) throws Exception {
        try (var st = c.prepareStatement("SELECT count(*) FROM backfill_repos WHERE job_id = ?::uuid AND (" + condition + ")")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static JsonNode job(String baseUrl, String id) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var resp = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/admin/backfill/" + id))
                    .header("Authorization", "Bearer " + TestApp.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
            return Json.MAPPER.readTree(resp.body());
        }
    }
}
