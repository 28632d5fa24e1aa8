package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Postgres stops in the middle of a job and comes back. Meanwhile the API answers 503 with the reason at once (no
 * hang), and the job is paused, not failed: no repo may spend its attempts on the outage. Afterwards the same job
 * completes by itself, exact.
 */
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
                        .with(Setting.BACKFILL_LEASE_SECONDS, "5").with(Setting.BACKFILL_CONCURRENCY, "8")
                        .with(Setting.BACKFILL_MAX_ATTEMPTS, "2"))) {
            net.pdsLatencyMillis = 40;
            BackfillEngineTest.uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("processed_repos").asInt() >= 5);
            assertThat(app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("status").asText()).isEqualTo("running");

            pg.close();
            long t0 = System.nanoTime();
            var health = app.get("/health", null);
            var status = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("answers while the database is down").isLessThan(Duration.ofSeconds(20));
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("reason").asText()).as(health.body()).isNotBlank();
            assertThat(health.json().get("jobs").asText()).contains("paused");
            assertThat(status.status()).isEqualTo(503);
            assertThat(status.json().get("message").asText()).contains("database is unavailable").contains("paused");
            Thread.sleep(3000); // longer than the retry delay: a repo that counted the outage would use up its attempts

            pg = EmbeddedPostgresServer.start(dir, false, port);
            await().atMost(Duration.ofSeconds(30)).until(() -> app.get("/health", null).status() == 200);
            JsonNode job = BackfillEngineTest.awaitEnd(app, id);
            assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");
            assertThat(job.get("failed_repos").asInt()).as(job.toString()).isZero();
            assertThat(job.get("processed_repos").asInt()).isEqualTo(40);
            assertThat(job.get("total_records").asLong()).isEqualTo(40 * 300);
            assertThat(BackfillEngineTest.indexed(app)).isEqualTo(net.groundTruth());
        } finally {
            pg.close();
            EmbeddedPostgresServer.deleteTree(dir);
        }
    }
}
