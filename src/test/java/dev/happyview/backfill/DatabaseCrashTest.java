package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The embedded database server crashes: SIGKILL to its postmaster and every backend, as an out-of-memory kill or a
 * crash would leave it, losing whatever WAL it had not written yet. While the service runs, the service starts it
 * again by itself and the job ends exact; when the service dies with it (the machine), a restarted service recovers.
 */
class DatabaseCrashTest {
    static final String COLLECTION = "com.example.feed.post";

    @Test
    void theEmbeddedServerKilledFourTimesMidJobIsStartedAgainByTheServiceAndNothingIsLost() throws Exception {
        Path dataDir = Files.createTempDirectory("happyview-dbcrash");
        int repos = 160;
        int records = 200;
        try (var net = new MiniNetwork(COLLECTION, repos, records);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.DATABASE_URL, "")
                        .with(Setting.DATA_DIR, dataDir.toString())
                        .with(Setting.RELAY_URL, net.relay.url()).with(Setting.PLC_URL, net.plc.url())
                        .with(Setting.BACKFILL_STRATEGY, "list-records").with(Setting.BACKFILL_CONCURRENCY, "8")
                        .with(Setting.BACKFILL_HOST_RATE, "1000")
                        .with(Setting.BACKFILL_LEASE_SECONDS, "5").with(Setting.BACKFILL_RETRY_SECONDS, "0.5"))) {
            net.relayPageCap = 20;
            net.relayLatencyMillis = 250;
            net.pdsLatencyMillis = 30;
            BackfillEngineTest.uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            String url = probeUrl(dataDir.resolve("postgres"));
            var probe = new JobProbe(url, id);
            var crashes = new ArrayList<String>();
            var healthWhileDown = new ArrayList<JsonNode>();
            JobProbe.Crash kill = () -> {
                killServer(dataDir.resolve("postgres"));
                // The service notices and says so while it starts the server again.
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                        .until(() -> app.get("/health", null).status() == 503);
                healthWhileDown.add(app.get("/health", null).json());
                await().atMost(Duration.ofSeconds(60)).until(() -> app.get("/health", null).status() == 200);
            };
            JobProbe.crashWhen("discovery", () -> probe.discoveredRepos() >= 40 && !probe.discoveryDone(), probe, kill, crashes);
            JobProbe.crashWhen("fetching 30%", () -> probe.completedRepos() >= repos * 3 / 10, probe, kill, crashes);
            JobProbe.crashWhen("fetching 60%", () -> probe.completedRepos() >= repos * 6 / 10, probe, kill, crashes);
            JobProbe.crashWhenHoldingThePds("completion", () -> probe.completedRepos() >= repos - 16, probe, net, kill, crashes);

            JsonNode job = BackfillEngineTest.awaitEnd(app, id);
            System.out.println("embedded database crashes: " + String.join("; ", crashes));
            try (var c = DriverManager.getConnection(url)) {
                JobProbe.describeLoss(c, id, net);
                BackfillCrashResumeTest.assertExact(c, id, net.groundTruth(), repos, (long) repos * records);
            }
            assertThat(job.get("status").asText()).isEqualTo("completed");
            probe.assertEndedAfterTheLastCrash();
            assertThat(healthWhileDown).hasSize(4).allSatisfy(h -> {
                assertThat(h.get("status").asText()).isEqualTo("unavailable");
                assertThat(h.get("reason").asText()).contains("embedded Postgres server").contains("stopped");
            });
        } finally {
            EmbeddedPostgresServer.deleteTree(dataDir);
        }
    }

    @Test
    void theServiceAndItsEmbeddedServerKilledTogetherResumeExactly() throws Exception {
        Path dataDir = Files.createTempDirectory("happyview-dbcrash");
        try (var net = new MiniNetwork(COLLECTION, 80, 300)) {
            net.pdsLatencyMillis = 20;
            Map<String, String> env = Map.of("DATA_DIR", dataDir.toString(), "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "4", "BACKFILL_CONCURRENCY", "8", "BACKFILL_STRATEGY", "list-records");
            String jobId;
            try (var first = ServiceProcess.start(env)) {
                BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                jobId = BackfillCrashResumeTest.post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                try (Connection c = DriverManager.getConnection(probeUrl(dataDir.resolve("postgres")))) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> BackfillCrashResumeTest.completed(c, jobId).size() >= 15);
                    assertThat(BackfillCrashResumeTest.status(c, jobId)).as("the job is unfinished at the kill").isEqualTo("running");
                }
                // The machine goes down: the service first (so nothing starts the server again), then the server.
                first.kill();
                killServer(dataDir.resolve("postgres"));
            }
            try (var second = ServiceProcess.start(env); Connection c = DriverManager.getConnection(probeUrl(dataDir.resolve("postgres")))) {
                await().atMost(Duration.ofSeconds(120)).until(() -> BackfillCrashResumeTest.status(c, jobId).equals("completed"));
                BackfillCrashResumeTest.assertExact(c, jobId, net.groundTruth(), 80, 80 * 300);
            }
        } finally {
            EmbeddedPostgresServer.deleteTree(dataDir);
        }
    }

    /** SIGKILL to the postmaster and every backend: no shutdown checkpoint, the WAL still in memory is lost. */
    static void killServer(Path pgData) throws Exception {
        long postmaster = Long.parseLong(Files.readAllLines(pgData.resolve("postmaster.pid")).getFirst().trim());
        var server = ProcessHandle.of(postmaster).orElseThrow();
        List<ProcessHandle> all = new ArrayList<>(server.descendants().toList());
        all.add(server);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) p.onExit().get(10, TimeUnit.SECONDS);
    }

    /** The embedded server's postgres database, found through its postmaster.pid (line 4 is the port). */
    static String probeUrl(Path pgData) throws Exception {
        var lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
        return "jdbc:postgresql://127.0.0.1:" + lines.get(3).trim() + "/postgres?user=postgres";
    }
}
