package dev.happyview.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres started by the service itself, with its data under {@code DATA_DIR/postgres} so it survives
 * restarts. Binaries come from the zonky Maven artifacts; as root, zonky runs them inside {@code unshare -U} because
 * Postgres refuses to run as root.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private final EmbeddedPostgres postgres;
    private final Path deleteOnClose;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path deleteOnClose) {
        this.postgres = postgres;
        this.deleteOnClose = deleteOnClose;
    }

    /** A throwaway server (benchmarks, tests) in a new temporary directory that is deleted when it closes. */
    public static EmbeddedPostgresServer startTemporary(String prefix, boolean durable) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        return new EmbeddedPostgresServer(builder(dir, durable, 0).start(), dir);
    }

    public static EmbeddedPostgresServer start(Path dataDir, boolean durable) throws IOException {
        return start(dataDir, durable, 0);
    }

    /** With {@code port} 0 a free port is chosen. */
    public static EmbeddedPostgresServer start(Path dataDir, boolean durable, int port) throws IOException {
        Files.createDirectories(dataDir);
        stopOrphanedPostmaster(dataDir);
        return new EmbeddedPostgresServer(builder(dataDir, durable, port).start(), null);
    }

    private static EmbeddedPostgres.Builder builder(Path dataDir, boolean durable, int port) {
        var builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                // No hook of zonky's: it would stop Postgres while the service's own shutdown hook is still draining
                // work (the JVM runs hooks at once), failing every last write. The owner closes this server last.
                .setRegisterShutdownHook(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("max_connections", "200")
                .setServerConfig("shared_buffers", "128MB");
        if (port > 0) builder.setPort(port);
        if (durable) {
            // zonky starts every server with -F (fsync off) and synchronous_commit off, fit for tests only: a crash of
            // the machine could then lose committed data or corrupt the cluster. These -c settings come after -F.
            builder.setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("full_page_writes", "on");
        } else {
            builder.setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off");
        }
        return builder;
    }

    /**
     * A process killed with SIGKILL leaves its postmaster running with the data directory locked; stop it so the
     * restart can take over the same data.
     */
    private static void stopOrphanedPostmaster(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) return;
        try {
            long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(process -> {
                log.warn("stopping orphaned embedded Postgres (pid {}) left by a previous run", pid);
                process.destroy(); // SIGTERM: smart shutdown, then wait
                try {
                    process.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    process.destroyForcibly();
                }
            });
        } catch (IOException | RuntimeException e) {
            log.warn("could not read {}: {}", pidFile, e.toString());
        }
    }

    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl("postgres", database);
    }

    public int port() {
        return postgres.getPort();
    }

    @Override
    public void close() throws IOException {
        postgres.close();
        if (deleteOnClose != null) deleteTree(deleteOnClose);
    }

    /** Deletes a directory and everything below it (a data directory left by a test or benchmark), best effort. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs)
                    throws IOException {
                Files.deleteIfExists(file);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                return java.nio.file.FileVisitResult.CONTINUE; // gone meanwhile
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }
}
