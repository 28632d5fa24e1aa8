package dev.happyview.store;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.postgresql.PGConnection;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the CPU share of this service's Postgres backends that do background work (every pool but the request
 * lane), so an operator's request does not queue behind a backfill on a machine the service shares with its database.
 *
 * <p>Postgres makes each backend the leader of a session of its own. On Linux with autogrouping (the default of most
 * distributions) every session is a scheduling group weighed like a whole process: each busy backend takes as much of
 * a core as the whole Java process, and the nice of the backend process changes nothing outside its group. The
 * group's nice ({@code /proc/PID/autogroup}, which its owner may raise) is what changes its share. Done only for a
 * server reached on a loopback address, for a process named {@code postgres} that this user owns; anything else, or a
 * kernel without autogrouping, leaves the backend as it is.
 */
final class BackendPriority {
    private static final Logger log = LoggerFactory.getLogger(BackendPriority.class);

    private final int nice;
    private final Object ownUid;
    private volatile boolean working = true;

    private BackendPriority(int nice, Object ownUid) {
        this.nice = nice;
        this.ownUid = ownUid;
    }

    /** For a database on this machine and a nice above 0, where the kernel groups sessions; else empty. */
    static Optional<BackendPriority> forDatabase(String jdbcUrl, int nice) {
        if (nice <= 0 || !Files.isRegularFile(Path.of("/proc/self/autogroup")) || !onThisMachine(jdbcUrl)) return Optional.empty();
        try {
            return Optional.of(new BackendPriority(Math.min(19, nice), Files.getAttribute(Path.of("/proc/self"), "unix:uid")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    static boolean onThisMachine(String jdbcUrl) {
        try {
            String host = URI.create(jdbcUrl.substring("jdbc:".length())).getHost();
            return host != null && InetAddress.getByName(host).isLoopbackAddress();
        } catch (IllegalArgumentException | IOException e) {
            return false;
        }
    }

    /** The driver's data source, each new connection of which has its backend lowered as it opens. */
    PGSimpleDataSource dataSource() {
        return new PGSimpleDataSource() {
            @Override
            public Connection getConnection(String user, String password) throws SQLException {
                Connection c = super.getConnection(user, password);
                lower(c);
                return c;
            }
        };
    }

    /** Lowers the backend of a new connection; never fails the caller. */
    private void lower(Connection c) {
        if (!working) return;
        try {
            PGConnection pg = c.unwrap(PGConnection.class);
            Path proc = Path.of("/proc", Integer.toString(pg.getBackendPID()));
            if (!Files.readString(proc.resolve("comm")).strip().equals("postgres")
                    || !ownUid.equals(Files.getAttribute(proc, "unix:uid"))) {
                stop("its backend is not a postgres process of this user (another PID namespace?)");
                return;
            }
            Files.writeString(proc.resolve("autogroup"), Integer.toString(nice));
        } catch (NoSuchFileException e) {
            // the backend ended in between (its connection was closed)
        } catch (IOException | SQLException | RuntimeException e) {
            stop(e.toString());
        }
    }

    private void stop(String why) {
        working = false;
        log.info("the database's background connections keep their CPU share: {}", why);
    }
}
