package dev.happyview.testing;

import dev.happyview.store.EmbeddedPostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
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
                Path dir = Files.createTempDirectory("happyview-test-pg");
                server = EmbeddedPostgresServer.start(dir, false);
                // The data directory goes too: every test JVM left 50 MB to 1 GB in /tmp, which filled the disk.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        server.close();
                        try (var files = Files.walk(dir)) {
                            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                        }
                    } catch (Exception ignored) {
                        // the JVM is exiting anyway
                    }
                }));
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
}
