package dev.happyview.testing;

import dev.happyview.store.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.UUID;

/**
 * One real Postgres per test JVM (started on first use, stopped at exit); every caller gets a fresh empty database,
 * so test classes are isolated without paying for a server start each.
 */
public final class TestPostgres {
    private static EmbeddedPostgresServer server;

    private TestPostgres() {}

    public static synchronized String newDatabaseUrl() {
        try {
            if (server == null) {
                sweepStaleDirectories();
                server = EmbeddedPostgresServer.startTemporary("happyview-test-pg", false);
                Runtime.getRuntime().addShutdownHook(new Thread(TestPostgres::stop)); // in case the session listener did not run
            }
            String name = "t_" + UUID.randomUUID().toString().replace("-", "");
            try (var c = DriverManager.getConnection(server.jdbcUrl("postgres"));
                    var st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            }
            return server.jdbcUrl(name);
        } catch (Exception e) {
            throw new IllegalStateException("could not start the test Postgres", e);
        }
    }

    /** Stops the server and deletes its data; called when the JUnit session ends ({@link StopTestPostgres}). */
    static synchronized void stop() {
        if (server == null) return;
        try {
            server.close();
        } catch (Exception ignored) {
            // stopping anyway
        }
        server = null;
    }

    /**
     * Data directories of earlier test JVMs that ended before their shutdown hook deleted them (a killed fork):
     * removed once their Postgres is gone (no postmaster.pid) and they are old enough not to be another JVM's.
     */
    private static void sweepStaleDirectories() {
        var tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long cutoff = System.currentTimeMillis() - Duration.ofMinutes(30).toMillis();
        try (var dirs = Files.newDirectoryStream(tmp, "happyview-{test-pg,outage-pg,sigterm}*")) {
            for (var dir : dirs) {
                if (Files.exists(dir.resolve("postmaster.pid"))) continue;
                if (Files.getLastModifiedTime(dir).toMillis() > cutoff) continue;
                EmbeddedPostgresServer.deleteTree(dir);
            }
        } catch (Exception ignored) {
            // best effort: a leftover directory costs disk, not correctness
        }
    }
}
