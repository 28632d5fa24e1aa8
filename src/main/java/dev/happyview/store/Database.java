package dev.happyview.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The connection pool and schema migrations. Every feature's SQL runs on connections from here. It also knows the
 * database lifetime ({@link #lifetime()}): the rule that nothing counts as done unless the writes it depends on are
 * durable in the same lifetime is checked against it (docs/reliability.md).
 */
public final class Database implements AutoCloseable {
    /**
     * The current database lifetime as an SQL expression, for checks made in the same statement as what they guard;
     * null while nobody has set a new one since the last crash, so a comparison with a remembered value fails.
     */
    public static final String CURRENT_LIFETIME = "(SELECT epoch FROM db_lifetime WHERE id = 1)";
    /** Commits on the ordinary pool wait for their WAL flush even if the server's default says otherwise. */
    private static final String DURABLE_COMMITS = """
            SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'""";

    /** Connections of the request lane: enough for a few dashboards and scripts at once. */
    private static final int REQUEST_CONNECTIONS = 4;
    private static final ThreadLocal<Boolean> SERVING_REQUEST = new ThreadLocal<>();

    private final HikariDataSource dataSource;
    private final HikariDataSource requests;
    private final boolean ownsRequestLane;
    private final String jdbcUrl;
    private final int maxConnections;
    /** Lowers the CPU share of the backends of every pool but the request lane as they open; null for none. */
    private final BackendPriority priority;
    private volatile Supplier<String> serverState = () -> null;
    private volatile Instant unavailableSince;

    private Database(HikariDataSource dataSource, HikariDataSource requests, boolean ownsRequestLane, String jdbcUrl,
            int maxConnections, BackendPriority priority) {
        this.dataSource = dataSource;
        this.requests = requests;
        this.ownsRequestLane = ownsRequestLane;
        this.jdbcUrl = jdbcUrl;
        this.maxConnections = maxConnections;
        this.priority = priority;
    }

    public static Database connect(String jdbcUrl, int maxConnections) {
        return connect(jdbcUrl, maxConnections, 0);
    }

    /**
     * @param workNice the nice given to the scheduling group of every backend but the request lane's, when the server
     *                 runs on this machine (0: none; {@link BackendPriority})
     */
    public static Database connect(String jdbcUrl, int maxConnections, int workNice) {
        BackendPriority priority = BackendPriority.forDatabase(jdbcUrl, workNice).orElse(null);
        var ds = pool(jdbcUrl, maxConnections, "happyview", DURABLE_COMMITS, priority);
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .outOfOrder(true)
                .load()
                .migrate();
        var requests = pool(jdbcUrl, Math.min(REQUEST_CONNECTIONS, maxConnections), "happyview-requests", DURABLE_COMMITS, null);
        return new Database(ds, requests, true, jdbcUrl, maxConnections, priority);
    }

    /**
     * A second pool on the same database whose commits return before their WAL is flushed to disk
     * ({@code synchronous_commit = off}), for writes that can be derived again: a crash of the database server (not
     * of this process) may lose the last fraction of a second of them, never part of a transaction and never out of
     * order, and a commit on the ordinary pool flushes every earlier one. The caller closes it.
     */
    public Database withDeferredFlush(String poolName) {
        return new Database(pool(jdbcUrl, maxConnections, poolName, "SET synchronous_commit TO off", priority), requests,
                false, jdbcUrl, maxConnections, priority);
    }

    /** @param priority lowers the CPU share of the pool's backends as they open; null for none */
    private static HikariDataSource pool(String jdbcUrl, int maxConnections, String name, String initSql,
            BackendPriority priority) {
        PGSimpleDataSource postgres = priority == null ? new PGSimpleDataSource() : priority.dataSource();
        postgres.setURL(jdbcUrl);
        postgres.setReWriteBatchedInserts(true);
        postgres.setTcpKeepAlive(true);
        postgres.setApplicationName(name);
        var cfg = new HikariConfig();
        cfg.setDataSource(postgres);
        cfg.setMaximumPoolSize(maxConnections);
        cfg.setMinimumIdle(Math.min(2, maxConnections));
        cfg.setConnectionTimeout(5_000);
        cfg.setValidationTimeout(2_000);
        cfg.setPoolName(name);
        if (initSql != null) cfg.setConnectionInitSql(initSql);
        // Fail fast at start if the database is unreachable, with the driver's message.
        cfg.setInitializationFailTimeout(15_000);
        return new HikariDataSource(cfg);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * A connection from this pool, or from the request lane while the calling thread serves an API request
     * ({@link #servingRequest}).
     */
    public Connection connection() throws SQLException {
        return SERVING_REQUEST.get() != null ? requests.getConnection() : dataSource.getConnection();
    }

    /** What an API request runs; it may throw what its handler throws. */
    @FunctionalInterface
    public interface Request {
        void run() throws Exception;
    }

    /**
     * Runs {@code request} in the request lane: every connection it takes on this thread, from any pool of this
     * database, comes from a small pool of its own (durable commits), so an operator's request never waits for a
     * connection behind a backfill that holds every connection of the ordinary and work pools.
     */
    public static void servingRequest(Request request) throws Exception {
        if (SERVING_REQUEST.get() != null) {
            request.run();
            return;
        }
        SERVING_REQUEST.set(Boolean.TRUE);
        try {
            request.run();
        } finally {
            SERVING_REQUEST.remove();
        }
    }

    /**
     * The current database lifetime, set to a new random value first when the marker is empty (a crash or failover
     * emptied it). Work that remembers this value before its first write and finds it unchanged, in the same
     * statement, when it counts itself done knows that none of its writes was lost in between.
     */
    public UUID lifetime() throws SQLException {
        try (var c = connection()) {
            try (var st = c.prepareStatement("INSERT INTO db_lifetime (id, epoch) VALUES (1, ?) ON CONFLICT (id) DO NOTHING")) {
                st.setObject(1, UUID.randomUUID());
                st.executeUpdate();
            }
            try (var st = c.prepareStatement("SELECT epoch FROM db_lifetime WHERE id = 1"); var rs = st.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }

    /** Whether the database answers, and if not why and since when. */
    public record Health(boolean available, String reason, Instant since) {}

    /** Adds what the server's own supervisor knows (the embedded server restarting) to the reason of an outage. */
    public void describeServerWith(Supplier<String> state) {
        this.serverState = state;
    }

    /**
     * Runs a trivial query on a connection of its own (a few seconds at most: the pool would make a caller wait for
     * its connection timeout, and answer late once the database is back), unless the server's supervisor already
     * knows the server is down.
     */
    public Health health() {
        String down = serverState.get();
        if (down != null) return unavailable(down);
        var props = new Properties();
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "3");
        props.setProperty("ApplicationName", "happyview-health");
        try (var c = DriverManager.getConnection(jdbcUrl, props); var st = c.createStatement()) {
            st.execute("SELECT 1");
            unavailableSince = null;
            return new Health(true, null, null);
        } catch (SQLException e) {
            String server = serverState.get();
            return unavailable(server != null ? server : describe(e));
        }
    }

    private Health unavailable(String reason) {
        Instant since = unavailableSince;
        if (since == null) unavailableSince = since = Instant.now();
        return new Health(false, reason, since);
    }

    /** True when a trivial query succeeds within a couple of seconds. */
    public boolean isHealthy() {
        return health().available();
    }

    /**
     * True when {@code e} (or a cause) says the database cannot be reached or went away (SQLSTATE class 08, a server
     * shutting down or crashing, 57P01-57P03, or no connection within the pool's timeout), as opposed to a statement
     * the database refused.
     */
    public static boolean isUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) return true;
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P")) return true;
            }
        }
        return false;
    }

    /** The driver's message of a failure (its innermost SQL exception's first sentence), short enough for a status line. */
    public static String describe(Throwable e) {
        Throwable t = e;
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException) t = c;
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        int sentence = message.indexOf(". ");
        if (sentence > 0) message = message.substring(0, sentence);
        return message.length() > 200 ? message.substring(0, 200) + "…" : message;
    }

    @Override
    public void close() {
        dataSource.close();
        if (ownsRequestLane) requests.close();
    }
}
