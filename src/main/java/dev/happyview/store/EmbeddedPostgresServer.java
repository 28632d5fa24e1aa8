package dev.happyview.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Postgres started by the service itself, with its data under {@code DATA_DIR/postgres} so it survives
 * restarts. Binaries come from the zonky Maven artifacts; as root, zonky runs them inside {@code unshare -U} because
 * Postgres refuses to run as root. {@link #supervise()} keeps it running: when its postmaster dies, it is started
 * again on the same data directory and port (Postgres recovers from its WAL), with a bounded backoff between attempts.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Duration CHECK_EVERY = Duration.ofMillis(250);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** zonky's lock file in the data directory. */
    private static final String ZONKY_LOCK = "epg-lock";
    /** How long a first start may take before it counts as failed. */
    private static final Duration FIRST_START_WAIT = Duration.ofSeconds(60);

    private final Path dataDir;
    private final boolean durable;
    private final int port;
    private final Path deleteOnClose;
    private volatile EmbeddedPostgres postgres;
    private volatile String outage;
    private volatile boolean closing;
    private Thread supervisor;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path dataDir, boolean durable, Path deleteOnClose) {
        this.postgres = postgres;
        this.dataDir = dataDir;
        this.durable = durable;
        this.port = postgres.getPort();
        this.deleteOnClose = deleteOnClose;
    }

    /** A throwaway server (benchmarks, tests) in a new temporary directory that is deleted when it closes. */
    public static EmbeddedPostgresServer startTemporary(String prefix, boolean durable) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        return new EmbeddedPostgresServer(builder(dir, durable, 0, FIRST_START_WAIT).start(), dir, durable, dir);
    }

    public static EmbeddedPostgresServer start(Path dataDir, boolean durable) throws IOException {
        return start(dataDir, durable, 0);
    }

    /** With {@code port} 0 a free port is chosen. */
    public static EmbeddedPostgresServer start(Path dataDir, boolean durable, int port) throws IOException {
        Files.createDirectories(dataDir);
        stopOrphanedPostmaster(dataDir);
        return new EmbeddedPostgresServer(builder(dataDir, durable, port, FIRST_START_WAIT).start(), dataDir, durable, null);
    }

    private static EmbeddedPostgres.Builder builder(Path dataDir, boolean durable, int port, Duration startupWait) {
        var builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPGStartupWait(startupWait)
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
        // Only a live process that is a Postgres: a stale file's pid may belong to another program by now.
        postmasterPid(dataDir).ifPresent(pid -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(false)).ifPresent(process -> {
            log.warn("stopping orphaned embedded Postgres (pid {}) left by a previous run", pid);
            process.destroy(); // SIGTERM: smart shutdown, then wait
            try {
                process.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                process.destroyForcibly();
            }
        }));
    }

    /** The postmaster's process id from {@code postmaster.pid} (first line), if the file is there. */
    private static OptionalLong postmasterPid(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            return lines.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(lines.getFirst().trim()));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Starts watching the postmaster: when it dies (killed, crashed, out of memory) the server is started again on the
     * same data directory and port, at once and then with a doubling pause between failed attempts (up to 30 s),
     * until it runs or this server is closed. Meanwhile {@link #outage()} says what happened.
     */
    public synchronized void supervise() {
        if (supervisor != null) return;
        supervisor = Thread.ofPlatform().daemon().name("embedded-postgres-supervisor").start(this::superviseLoop);
    }

    /** Null while the server runs; otherwise what happened to it and what is being done, for health checks. */
    public String outage() {
        return outage;
    }

    private void superviseLoop() {
        try {
            while (!closing) {
                long pid = postmasterPid(dataDir).orElse(-1);
                while (!closing && isAlive(pid)) Thread.sleep(CHECK_EVERY.toMillis());
                if (closing) return;
                bringBack(pid);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Alive and not a zombie: a killed postmaster is not our child, and its new parent may be slow to reap it. */
    private static boolean isAlive(long pid) {
        if (pid <= 0 || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return true; // no /proc: the process handle's answer stands
        }
    }

    private void bringBack(long deadPid) throws InterruptedException {
        Instant since = Instant.now();
        String what = "the embedded Postgres server (postmaster pid " + deadPid + ") stopped at " + since;
        log.error("{}; starting it again on {}", what, dataDir);
        outage = what + "; restarting it";
        Duration backoff = Duration.ofSeconds(1);
        for (int attempt = 1; !closing; attempt++) {
            try {
                restart(attempt);
                outage = null;
                log.warn("the embedded Postgres server is running again (attempt {}, {} ms after it stopped)", attempt,
                        Duration.between(since, Instant.now()).toMillis());
                return;
            } catch (Exception e) {
                outage = what + "; restart attempt " + attempt + " failed (" + Database.describe(e) + "), next in "
                        + backoff.toSeconds() + " s";
                log.warn("{}", outage);
            }
            Thread.sleep(backoff.toMillis());
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /**
     * One restart attempt. Its wait for the server grows with the attempt: an attempt that fails (the first one after
     * a kill sometimes does, for a reason zonky's hidden server output would tell) then costs seconds, not a minute,
     * while a long crash recovery still gets the full wait from the sixth attempt on.
     */
    private synchronized void restart(int attempt) throws IOException, InterruptedException {
        if (closing) return;
        awaitBackendsGone(Duration.ofSeconds(10));
        stopOrphanedPostmaster(dataDir);
        // A killed postmaster stays a zombie until its new parent reaps it, and Postgres takes a lock file naming a
        // process that still exists (a zombie does) for a running postmaster: it would refuse to start for as long.
        OptionalLong stale = postmasterPid(dataDir);
        if (stale.isPresent() && !isAlive(stale.getAsLong())) Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
        // zonky cannot stop a server that is already gone without an error, so the dead instance is dropped instead of
        // closed: its lock on the old lock file goes with it, and the new instance locks a new file.
        Files.deleteIfExists(dataDir.resolve(ZONKY_LOCK));
        Duration wait = Duration.ofSeconds(Math.min(FIRST_START_WAIT.toSeconds(), 10L * attempt));
        postgres = builder(dataDir, durable, port, wait).start();
    }

    /**
     * Backends of a dead postmaster notice its death and exit, but until they have, they hold its shared memory and a
     * new postmaster refuses to start on the data directory. Waits (bounded) until no process is attached to it.
     */
    private void awaitBackendsGone(Duration max) throws InterruptedException {
        String shmid = sharedMemoryId();
        if (shmid == null) return;
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline && attachments(shmid) > 0) Thread.sleep(100);
    }

    /** The SysV shared memory id on line 7 of {@code postmaster.pid} ("key id"), or null. */
    private String sharedMemoryId() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            String[] keyAndId = lines.size() >= 7 ? lines.get(6).trim().split("\\s+") : new String[0];
            return keyAndId.length == 2 ? keyAndId[1] : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Processes attached to the segment according to {@code /proc/sysvipc/shm}; 0 when unknown. */
    private static int attachments(String shmid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/sysvipc/shm"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 6 && f[1].equals(shmid)) return Integer.parseInt(f[6]);
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: try the start anyway.
        }
        return 0;
    }

    public String jdbcUrl(String database) {
        return postgres.getJdbcUrl("postgres", database);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        Thread watcher;
        synchronized (this) {
            watcher = supervisor;
        }
        if (watcher != null) {
            watcher.interrupt();
            try {
                watcher.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            postgres.close();
        }
        if (deleteOnClose != null) deleteTree(deleteOnClose);
    }

    /** Deletes a directory and everything below it (a data directory left by a test or benchmark), best effort. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // gone meanwhile
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
