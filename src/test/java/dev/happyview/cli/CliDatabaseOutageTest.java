package dev.happyview.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator's command line says while the service's database is down: {@code status} says the database is
 * unavailable and that jobs are paused; {@code backfill --wait} keeps waiting instead of giving up, says so, and
 * follows the job to its completion once the database is back.
 */
class CliDatabaseOutageTest {
    static final String POSTS = "com.example.feed.post";

    @Test
    void statusSaysTheDatabaseIsUnavailableAndBackfillWaitRidesItOut(@TempDir Path dir) throws Exception {
        Path pgDir = Files.createTempDirectory("happyview-outage-pg");
        var pg = EmbeddedPostgresServer.start(pgDir, false);
        int port = pg.port();
        try (var c = DriverManager.getConnection(pg.jdbcUrl("postgres")); var st = c.createStatement()) {
            st.execute("CREATE DATABASE cli");
        }
        try (var net = SimNetwork.start(Scenario.builder().seed(8).repos(60).pdsHosts(2).collections(POSTS).latencyMs(60).build());
                var app = TestApp.start(TestApp.baseConfig().with(Setting.DATABASE_URL, pg.jdbcUrl("cli"))
                        .with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                        .with(Setting.BACKFILL_CONCURRENCY, "4").with(Setting.BACKFILL_LEASE_SECONDS, "5"))) {
            Path lexicon = dir.resolve("lexicon.json");
            Files.writeString(lexicon, """
                    {"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid","record":{"type":"object","properties":{}}}}}"""
                    .formatted(POSTS));
            var upload = CliRunner.run(app.baseUrl(), TestApp.ADMIN_KEY, "lexicon", "upload", lexicon.toString(), "--no-backfill");
            assertThat(upload.exit()).as(upload.toString()).isZero();
            var waiting = CompletableFuture.supplyAsync(() ->
                    CliRunner.run(app.baseUrl(), TestApp.ADMIN_KEY, "backfill", "--collection", POSTS, "--strategy", "list-records", "--wait"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                var jobs = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json();
                return jobs.size() == 1 && jobs.get(0).get("processed_repos").asInt() >= 3;
            });

            pg.close();
            var status = CliRunner.run(app.baseUrl(), TestApp.ADMIN_KEY, "status");
            assertThat(status.exit()).as(status.toString()).isEqualTo(2);
            assertThat(status.err()).contains("database is unavailable").contains("paused");
            // The waiting command polls meanwhile; a poll that began before the outage was noticed waits up to the
            // pool's 5 s for a connection, so the outage lasts longer than that for it to see the 503 too.
            Thread.sleep(6500);
            assertThat(waiting).as("backfill --wait keeps waiting while the database is down").isNotDone();
            pg = EmbeddedPostgresServer.start(pgDir, false, port);

            var r = waiting.get();
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out()).contains("database is unavailable").contains("; waiting").contains("the database is back");
            assertThat(r.out().lines().toList().getLast()).startsWith("completed: 60 repos");
        } finally {
            pg.close();
            EmbeddedPostgresServer.deleteTree(pgDir);
        }
    }
}
