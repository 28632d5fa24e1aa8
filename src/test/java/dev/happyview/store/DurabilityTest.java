package dev.happyview.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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

    @Test
    void theOrdinaryPoolCommitsSynchronouslyEvenIfTheServerDefaultIsOff() throws Exception {
        try (var pg = EmbeddedPostgresServer.startTemporary("happyview-durability", false);
                var db = Database.connect(pg.jdbcUrl("postgres"), 2);
                var work = db.withDeferredFlush("durability-test-work");
                var c = db.connection(); var w = work.connection()) {
            assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
            assertThat(setting(w, "synchronous_commit")).isEqualTo("off");
        }
    }

    /**
     * What the completion checks rest on: the lifetime marker survives a clean restart of the server (which writes out
     * all of the WAL) and is gone after a crash (SIGKILL to the postmaster and its backends), so a new one is set.
     */
    @Test
    void theLifetimeSurvivesACleanRestartAndChangesAfterACrash() throws Exception {
        Path dir = Files.createTempDirectory("happyview-lifetime");
        try {
            var pg = EmbeddedPostgresServer.start(dir, false);
            int port = pg.port();
            UUID first;
            try (var db = Database.connect(pg.jdbcUrl("postgres"), 2)) {
                first = db.lifetime();
                assertThat(db.lifetime()).isEqualTo(first);
            }
            pg.close();
            pg = EmbeddedPostgresServer.start(dir, false, port);
            try (var db = Database.connect(pg.jdbcUrl("postgres"), 2)) {
                assertThat(db.lifetime()).as("after a clean restart").isEqualTo(first);
                long postmaster = Long.parseLong(Files.readAllLines(dir.resolve("postmaster.pid")).getFirst().trim());
                var server = ProcessHandle.of(postmaster).orElseThrow();
                List<ProcessHandle> all = new ArrayList<>(server.descendants().toList());
                all.add(server);
                all.forEach(ProcessHandle::destroyForcibly);
                for (ProcessHandle p : all) p.onExit().get(10, TimeUnit.SECONDS);
            }
            pg.close(); // lets go of zonky's lock on the directory (stopping the dead server fails, logged)
            pg = EmbeddedPostgresServer.start(dir, false, port);
            try (var db = Database.connect(pg.jdbcUrl("postgres"), 2)) {
                assertThat(db.lifetime()).as("after a crash").isNotEqualTo(first);
            } finally {
                pg.close();
            }
        } finally {
            EmbeddedPostgresServer.deleteTree(dir);
        }
    }

    private static String setting(Connection c, String name) throws Exception {
        try (var st = c.createStatement(); var rs = st.executeQuery("SHOW " + name)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
