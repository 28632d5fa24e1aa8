package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.config.Setting;
import dev.happyview.testing.ExternalPostgres;
import dev.happyview.testing.TestApp;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;

/**
 * An external Postgres (Debian's, as a managed database would be) crashes five times during one direct-mode job while
 * the service keeps running: during discovery, three times while records are fetched (once as a single backend
 * killed, after which the server recovers by itself) and once as the last repos complete. Each crash throws away
 * whatever the server had not yet written of its WAL. The job must end {@code completed} with the index equal to the
 * ground truth and exact counters: nothing the service counted as done may be missing.
 */
class ExternalDatabaseCrashTest {
    static final int REPOS = 200;
    static final int RECORDS = 300;

    @Test
    void fiveCrashesOfTheDatabaseWhileTheServiceRunsLoseNothing() throws Exception {
        try (var pg = ExternalPostgres.startOrSkip(); var net = new MiniNetwork(COLLECTION, REPOS, RECORDS)) {
            String url = pg.newDatabase("happyview");
            net.relayPageCap = 20;
            net.relayLatencyMillis = 250;
            net.pdsLatencyMillis = 10;
            try (var app = TestApp.start(TestApp.baseConfig().with(Setting.DATABASE_URL, url)
                    .with(Setting.RELAY_URL, net.relay.url()).with(Setting.PLC_URL, net.plc.url())
                    .with(Setting.BACKFILL_STRATEGY, "list-records").with(Setting.BACKFILL_CONCURRENCY, "16")
                        .with(Setting.BACKFILL_HOST_RATE, "1000").with(Setting.BACKFILL_HOST_CONCURRENCY, "16")
                    .with(Setting.BACKFILL_LEASE_SECONDS, "5").with(Setting.BACKFILL_RETRY_SECONDS, "0.5"))) {
                BackfillEngineTest.uploadRecordLexicon(app, COLLECTION);
                String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                        .json().get("id").asText();
                var probe = new JobProbe(url, id);
                var crashes = new ArrayList<String>();
                JobProbe.Crash restart = () -> {
                    pg.crash();
                    Thread.sleep(1000);
                    pg.start();
                };
                JobProbe.Crash oneBackend = () -> {
                    pg.killOneBackend("happyview");
                    await().atMost(Duration.ofSeconds(30)).until(pg::accepting);
                };
                JobProbe.crashWhen("discovery", () -> probe.discoveredRepos() >= 60 && !probe.discoveryDone(), probe, restart, crashes);
                JobProbe.crashWhen("fetching 25%", () -> probe.completedRepos() >= REPOS / 4, probe, restart, crashes);
                JobProbe.crashWhen("fetching 50% (one backend)", () -> probe.completedRepos() >= REPOS / 2, probe, oneBackend, crashes);
                JobProbe.crashWhen("fetching 75%", () -> probe.completedRepos() >= REPOS * 3 / 4, probe, restart, crashes);
                JobProbe.crashWhenHoldingThePds("completion", () -> probe.completedRepos() >= REPOS - 24, probe, net, restart, crashes);

                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> "completed".equals(probe.status()) || "failed".equals(probe.status()));
                System.out.println("external database crashes: " + String.join("; ", crashes));
                try (var c = DriverManager.getConnection(url)) {
                    JobProbe.describeLoss(c, id, net);
                    BackfillCrashResumeTest.assertExact(c, id, net.groundTruth(), REPOS, (long) REPOS * RECORDS);
                }
                assertThat(probe.status()).isEqualTo("completed");
                probe.assertEndedAfterTheLastCrash();
            }
        }
    }
}
