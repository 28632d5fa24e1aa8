package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service is killed with SIGKILL ten times at different moments of one job; the job still ends exact. */
class BackfillKilledTenTimesTest {

    @Test
    void tenKillsLoseNothingAndCountersEndExact() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = new MiniNetwork(COLLECTION, 250, 400); var c = DriverManager.getConnection(db)) {
            net.pdsLatencyMillis = 60;
            net.plcLatencyMillis = 20;
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "3", "BACKFILL_CONCURRENCY", "8", "BACKFILL_STRATEGY", "list-records");
            String jobId;
            var stagesAtKill = new StringBuilder();
            try (var first = ServiceProcess.start(env)) {
                BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                jobId = BackfillCrashResumeTest.post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                Thread.sleep(150); // the first kill lands during discovery or resolution
                first.kill();
            }
            stagesAtKill.append(stage(c, jobId)).append(' ');
            for (int i = 1; i < 10; i++) {
                try (var next = ServiceProcess.start(env)) {
                    Thread.sleep(300 + i * 250L);
                    next.kill();
                }
                stagesAtKill.append(stage(c, jobId)).append(' ');
            }
            try (var last = ServiceProcess.start(env)) {
                await().atMost(Duration.ofSeconds(180)).until(() -> BackfillCrashResumeTest.status(c, jobId).equals("completed"));
            }
            System.out.println("stages at the ten kills: " + stagesAtKill);
            BackfillCrashResumeTest.assertExact(c, jobId, net.groundTruth(), 250, 250 * 400);
        }
    }

    static String stage(Connection c, String jobId) throws Exception {
        try (var st = c.prepareStatement("SELECT stage, processed_repos FROM backfill_jobs WHERE id = ?::uuid")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1) + "/" + rs.getInt(2);
            }
        }
    }
}
