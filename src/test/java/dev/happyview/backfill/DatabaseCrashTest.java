package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The embedded database server itself crashes (SIGKILL to the postmaster and every backend, as an OOM killer or a
 * power cut would leave it) while a job writes with deferred WAL flushes. A restarted service recovers the cluster
 * and finishes the job with the index equal to the ground truth and exact counters: whatever the crash took from
 * the job's last unflushed commits is fetched again.
 */
class DatabaseCrashTest {
    static final String COLLECTION = "com.example.feed.post";

    @Test
    void aCrashedDatabaseServerLosesNothingTheResumedJobCannotFetchAgain() throws Exception {
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
                try (Connection c = connect(dataDir)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> BackfillCrashResumeTest.completed(c, jobId).size() >= 15);
                }
                long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).getFirst().trim());
                var server = ProcessHandle.of(postmaster).orElseThrow();
                List<ProcessHandle> all = new java.util.ArrayList<>(server.descendants().toList());
                all.add(server);
                all.forEach(ProcessHandle::destroyForcibly); // SIGKILL: no shutdown checkpoint, WAL buffers lost
                for (ProcessHandle p : all) p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                first.kill(); // the service cannot run on without its database; a supervisor would restart both
            }
            try (var second = ServiceProcess.start(env); Connection c = connect(dataDir)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> BackfillCrashResumeTest.status(c, jobId).equals("completed"));
                BackfillCrashResumeTest.assertExact(c, jobId, net.groundTruth(), 80, 80 * 300);
            }
        } finally {
            EmbeddedPostgresServer.deleteTree(dataDir);
        }
    }

    /** The service's embedded server, found through its postmaster.pid (line 4 is the port). */
    private static Connection connect(Path dataDir) throws Exception {
        var lines = Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"));
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + lines.get(3).trim() + "/postgres?user=postgres");
    }
}
