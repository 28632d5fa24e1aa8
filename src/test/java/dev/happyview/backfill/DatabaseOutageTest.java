package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Postgres stops in the middle of a job and comes back: the API answers 503 meanwhile, and the index ends exact. */
class DatabaseOutageTest {

    @Test
    void theServiceSurvivesAPostgresRestartMidJob() throws Exception {
        var dir = Files.createTempDirectory("happyview-outage-pg");
        var pg = EmbeddedPostgresServer.start(dir, false);
        int port = pg.port();
        try (var c = DriverManager.getConnection(pg.jdbcUrl("postgres")); var st = c.createStatement()) {
            st.execute("CREATE DATABASE outage");
        }
        try (var net = new MiniNetwork(COLLECTION, 40, 300);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.DATABASE_URL, pg.jdbcUrl("outage"))
                        .with(Setting.RELAY_URL, net.relay.url()).with(Setting.PLC_URL, net.plc.url())
                        .with(Setting.BACKFILL_STRATEGY, "list-records").with(Setting.BACKFILL_RETRY_SECONDS, "0.5")
                        .with(Setting.BACKFILL_LEASE_SECONDS, "5").with(Setting.BACKFILL_CONCURRENCY, "8"))) {
            net.pdsLatencyMillis = 40;
            BackfillEngineTest.uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("processed_repos").asInt() >= 5);

            pg.close();
            long t0 = System.nanoTime();
            assertThat(app.get("/health", null).status()).isEqualTo(503);
            assertThat(app.get("/admin/backfill/status", TestApp.ADMIN_KEY).status()).isEqualTo(503);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answers while the database is down").isLessThan(Duration.ofSeconds(20));
            Thread.sleep(2000);

            pg = EmbeddedPostgresServer.start(dir, false, port);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.get("/health", null).status() == 200);
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                String status = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("status").asText();
                return status.equals("completed") || status.equals("failed");
            });
            var job = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json();
            if (!job.get("status").asText().equals("completed") || job.get("failed_repos").asInt() > 0) {
                // Repos whose retries ran out during the outage are failed with a clear error; a re-run makes the index exact.
                String again = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                        .json().get("id").asText();
                BackfillEngineTest.awaitEnd(app, again);
            }
            assertThat(BackfillEngineTest.indexed(app)).isEqualTo(net.groundTruth());
        } finally {
            pg.close();
            EmbeddedPostgresServer.deleteTree(dir);
        }
    }
}
