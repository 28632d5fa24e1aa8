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

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
    }

    public static Database connect(String jdbcUrl, int maxConnections) {
        var cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl);
        cfg.setMaximumPoolSize(maxConnections);
        cfg.setMinimumIdle(Math.min(2, maxConnections));
        cfg.setConnectionTimeout(5_000);
        cfg.setValidationTimeout(2_000);
        cfg.setPoolName("happyview");
        cfg.addDataSourceProperty("reWriteBatchedInserts", "true");
        cfg.addDataSourceProperty("tcpKeepAlive", "true");
        cfg.addDataSourceProperty("ApplicationName", "happyview");
        // Fail fast at start if the database is unreachable, with the driver's message.
        cfg.setInitializationFailTimeout(15_000);
        var ds = new HikariDataSource(cfg);
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .outOfOrder(true)
                .load()
                .migrate();
        return new Database(ds);
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
