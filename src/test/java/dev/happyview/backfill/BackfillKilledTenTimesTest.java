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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The service is killed with SIGKILL ten times during one job, each kill at a later point: once the job has been
 * picked up, then after each further tenth of the repos has completed. The PDS holds its answers from the moment a
 * kill is due until the process is dead, and from before each restart until the process answers, so the repos in
 * flight cannot finish the job before the kill however slow the machine is. At every kill the job must still be unfinished (else the kill proved nothing); after a last
 * restart the job must end exact.
 */
class BackfillKilledTenTimesTest {

    @Test
    void tenKillsLoseNothingAndCountersEndExact() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        int repos = 250;
        try (var net = new MiniNetwork(COLLECTION, repos, 400); var c = DriverManager.getConnection(db)) {
            net.pdsLatencyMillis = 60;
            net.plcLatencyMillis = 20;
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "3", "BACKFILL_CONCURRENCY", "8", "BACKFILL_STRATEGY", "list-records");
            var holdAnswers = new AtomicBoolean();
            net.rewrite = (did, cursor, page) -> {
                while (holdAnswers.get()) {
                    LockSupport.parkNanos(5_000_000);
                }
                return page;
            };
            String jobId;
            var atKills = new StringBuilder();
            try (var first = ServiceProcess.start(env)) {
                BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                jobId = BackfillCrashResumeTest.post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                // The first kill lands as soon as the job has been picked up: in discovery or resolution.
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> !stage(c, jobId).equals("pending"));
                killHolding(first, holdAnswers);
            }
            atKills.append(unfinished(c, jobId, repos)).append(' ');
            for (int i = 1; i < 10; i++) {
                int threshold = repos * i / 10;
                // No page is answered until the process has started and is watched: a slow start (the job resumes
                // before /health answers) could otherwise see the job through to its end first.
                holdAnswers.set(true);
                try (var next = ServiceProcess.start(env)) {
                    holdAnswers.set(false);
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(5))
                            .until(() -> BackfillCrashResumeTest.completed(c, jobId).size() >= threshold);
                    killHolding(next, holdAnswers);
                }
                atKills.append(unfinished(c, jobId, repos)).append(' ');
            }
            try (var last = ServiceProcess.start(env)) {
                await().atMost(Duration.ofSeconds(180)).until(() -> BackfillCrashResumeTest.status(c, jobId).equals("completed"));
            }
            System.out.println("stage/completed repos at the ten kills: " + atKills);
            BackfillCrashResumeTest.assertExact(c, jobId, net.groundTruth(), repos, repos * 400L);
        }
    }

    private static void killHolding(ServiceProcess service, AtomicBoolean holdAnswers) throws Exception {
        holdAnswers.set(true);
        try {
            service.kill();
        } finally {
            holdAnswers.set(false);
        }
    }

    /** The job's stage and completed repos right after a kill, which must find the job unfinished. */
    static String unfinished(Connection c, String jobId, int repos) throws Exception {
        String status = BackfillCrashResumeTest.status(c, jobId);
        int completed = BackfillCrashResumeTest.completed(c, jobId).size();
        String seen = "stage " + stage(c, jobId) + ", " + completed + " of " + repos + " repos completed";
        assertThat(status).as("the job when the service was killed (%s)", seen).isIn("pending", "running");
        assertThat(completed).as("repos completed when the service was killed (%s)", seen).isLessThan(repos);
        return stage(c, jobId) + "/" + completed;
    }

    static String stage(Connection c, String jobId) throws Exception {
        try (var st = c.prepareStatement("SELECT stage FROM backfill_jobs WHERE id = ?::uuid")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
