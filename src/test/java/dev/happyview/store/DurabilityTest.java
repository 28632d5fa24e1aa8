package dev.happyview.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import org.junit.jupiter.api.Test;

/**
 * The embedded server that {@code serve} starts is durable (zonky's own defaults are fsync off), the ordinary pool
 * commits synchronously, and only the pool for re-derivable backfill work defers the WAL flush.
 */
class DurabilityTest {
    @Test
    void theServiceDatabaseFsyncsAndOnlyTheDeferredPoolSkipsTheFlushWait() throws Exception {
        try (var pg = EmbeddedPostgresServer.startTemporary("happyview-durability", true);
                var db = Database.connect(pg.jdbcUrl("postgres"), 2);
                var work = db.withDeferredFlush("durability-test-work")) {
            try (var c = db.connection()) {
                assertThat(setting(c, "fsync")).isEqualTo("on");
                assertThat(setting(c, "full_page_writes")).isEqualTo("on");
                assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
            }
            try (var c = work.connection()) {
                assertThat(setting(c, "fsync")).isEqualTo("on");
                assertThat(setting(c, "synchronous_commit")).isEqualTo("off");
            }
            // The deferred pool's setting stays in its own sessions: the ordinary pool's connections are unaffected.
            try (var c = db.connection()) {
                assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
            }
        }
    }

    private static String setting(Connection c, String name) throws Exception {
        try (var st = c.createStatement(); var rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
