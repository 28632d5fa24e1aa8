package dev.happyview.testing;

import dev.happyview.store.EmbeddedPostgresServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A Postgres server that is not the service's: Debian's {@code postgresql} package, run by the test from a temporary
 * directory on a free loopback port with {@code pg_ctl}, so the test can crash it ({@code pg_ctl stop -m immediate},
 * or SIGKILL to one backend) while the service keeps running, and start it again on the same data. As root it runs
 * as the package's {@code postgres} user (Postgres refuses to run as root).
 *
 * <p>fsync is off: these tests crash the database server, not the machine, and the operating system keeps whatever
 * Postgres wrote. What a crash of the server loses is what it had not written yet: the WAL still in its shared
 * buffers, which is what an asynchronous commit leaves there.
 */
public final class ExternalPostgres implements AutoCloseable {
    private final Path bin;
    private final Path dir;
    private final Path data;
    private final int port;
    private final boolean asPostgresUser;
    private final Thread cleanup;

    private ExternalPostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.data = dir.resolve("data");
        this.port = port;
        this.asPostgresUser = asPostgresUser;
        this.cleanup = new Thread(this::stopQuietly, "external-postgres-cleanup");
    }

    /**
     * Starts a new server, or skips the calling test when Debian's Postgres is not installed; with {@code CI=true} a
     * missing package fails the test instead ({@link Prerequisites}; {@code .ci/run} installs it).
     */
    public static ExternalPostgres startOrSkip() throws Exception {
        Optional<Path> bin = binaries();
        if (bin.isEmpty()) {
            String test = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass().getSimpleName();
            Assumptions.abort(Prerequisites.missing(test, "Debian's Postgres server is not installed (no "
                    + "/usr/lib/postgresql/*/bin/pg_ctl)", "Run scripts/install-postgres.sh (.ci/run does)"));
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("happyview-extpg");
        var pg = new ExternalPostgres(bin.get(), dir, freePort(), root);
        try {
            if (root) chownToPostgres(dir);
            pg.run(List.of(bin.get().resolve("initdb").toString(), "-D", pg.data.toString(), "-A", "trust", "-U",
                    "postgres", "-E", "UTF8", "--locale=C", "--no-sync"));
            Files.writeString(pg.data.resolve("postgresql.conf"), """

                    port = %d
                    listen_addresses = '127.0.0.1'
                    unix_socket_directories = ''
                    max_connections = 100
                    fsync = off
                    full_page_writes = off
                    """.formatted(pg.port), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            Runtime.getRuntime().addShutdownHook(pg.cleanup);
            pg.start();
            return pg;
        } catch (Exception e) {
            pg.close();
            throw e;
        }
    }

    /** The newest installed major version's binaries. */
    private static Optional<Path> binaries() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) return Optional.empty();
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("pg_ctl")) && Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparingInt(b -> majorVersion(b.getParent().getFileName().toString())));
        }
    }

    private static int majorVersion(String name) {
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public int port() {
        return port;
    }

    /** A new empty database on this server; its JDBC URL. */
    public String newDatabase(String name) throws Exception {
        try (var c = DriverManager.getConnection(jdbcUrl("postgres")); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return jdbcUrl(name);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    public void start() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "120", "start"));
    }

    /** A crash of the whole server: every process quits at once, without a checkpoint or a WAL flush. */
    public void crash() throws Exception {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop"));
    }

    /**
     * SIGKILL to one backend serving {@code database}: the postmaster then stops every other process, throws away
     * the shared memory (and the WAL buffers in it) and recovers from the WAL by itself, as after an out-of-memory
     * kill. Returns the killed process id.
     */
    public long killOneBackend(String database) throws Exception {
        long pid;
        try (var c = DriverManager.getConnection(jdbcUrl("postgres"));
                var st = c.prepareStatement("""
                        SELECT pid FROM pg_stat_activity WHERE datname = ? AND backend_type = 'client backend'
                         ORDER BY pid LIMIT 1""")) {
            st.setString(1, database);
            try (var rs = st.executeQuery()) {
                if (!rs.next()) throw new IllegalStateException("no backend serves " + database);
                pid = rs.getLong(1);
            }
        }
        var process = ProcessHandle.of(pid).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(10, TimeUnit.SECONDS);
        return pid;
    }

    /** True once the server accepts connections again. */
    public boolean accepting() {
        try (var c = DriverManager.getConnection(jdbcUrl("postgres")); var st = c.createStatement()) {
            st.execute("SELECT 1");
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The server's log (for failure messages). */
    public String log() {
        try {
            return Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void run(List<String> command) throws Exception {
        var full = new ArrayList<String>();
        if (asPostgresUser) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(command);
        var pb = new ProcessBuilder(full).redirectErrorStream(true).directory(dir.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(150, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8)
                    + "\n" + log());
        }
    }

    private static void chownToPostgres(Path dir) throws IOException {
        var postgres = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(dir, postgres);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void stopQuietly() {
        try {
            if (Files.exists(data.resolve("postmaster.pid"))) crash();
        } catch (Exception ignored) {
            // stopping anyway
        }
        try {
            EmbeddedPostgresServer.deleteTree(dir);
        } catch (IOException ignored) {
            // best effort
        }
    }

    @Override
    public void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down, or never registered
        }
    }
}
