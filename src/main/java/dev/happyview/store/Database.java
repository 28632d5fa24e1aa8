package dev.happyview.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** The connection pool and schema migrations. Every feature's SQL runs on connections from here. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final String jdbcUrl;
    private final int maxConnections;

    private Database(HikariDataSource dataSource, String jdbcUrl, int maxConnections) {
        this.dataSource = dataSource;
        this.jdbcUrl = jdbcUrl;
        this.maxConnections = maxConnections;
    }

    public static Database connect(String jdbcUrl, int maxConnections) {
        var ds = pool(jdbcUrl, maxConnections, "happyview", null);
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .outOfOrder(true)
                .load()
                .migrate();
        return new Database(ds, jdbcUrl, maxConnections);
    }

    /**
     * A second pool on the same database whose commits return before their WAL is flushed to disk
     * ({@code synchronous_commit = off}), for writes that can be derived again: a crash of the database server (not
     * of this process) may lose the last fraction of a second of them, never part of a transaction and never out of
     * order, and a commit on the ordinary pool flushes every earlier one. The caller closes it.
     */
    public Database withDeferredFlush(String poolName) {
        return new Database(pool(jdbcUrl, maxConnections, poolName, "SET synchronous_commit TO off"), jdbcUrl, maxConnections);
    }

    private static HikariDataSource pool(String jdbcUrl, int maxConnections, String name, String initSql) {
        var cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setMaximumPoolSize(maxConnections);
        cfg.setMinimumIdle(Math.min(2, maxConnections));
        cfg.setConnectionTimeout(5_000);
        cfg.setValidationTimeout(2_000);
        cfg.setPoolName(name);
        if (initSql != null) cfg.setConnectionInitSql(initSql);
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        cfg.addDataSourceProperty("ApplicationName", name);
        // Fail fast at start if the database is unreachable, with the driver's message.
        cfg.setInitializationFailTimeout(15_000);
        return new HikariDataSource(cfg);
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** True when a trivial query succeeds within a couple of seconds. */
    public boolean isHealthy() {
        try (var c = dataSource.getConnection(); var st = c.createStatement()) {
            st.setQueryTimeout(2);
            st.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
