package dev.happyview.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.happyview.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/** The backends of background work get a smaller CPU share; the request lane's keep theirs. */
class BackendPriorityTest {

    private static String autogroupOf(Connection c) throws Exception {
        int pid = c.unwrap(PGConnection.class).getBackendPID();
        return Files.readString(Path.of("/proc", Integer.toString(pid), "autogroup")).strip();
    }

    @Test
    void backgroundBackendsAreLoweredAndTheRequestLaneIsNot() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/proc/self/autogroup")), "a Linux kernel that groups sessions");
        try (var db = Database.connect(TestPostgres.newDatabaseUrl(), 4, 10);
                var deferred = db.withDeferredFlush("test-deferred")) {
            try (var c = db.connection()) {
                assertThat(autogroupOf(c)).endsWith("nice 10");
            }
            try (var c = deferred.connection()) {
                assertThat(autogroupOf(c)).endsWith("nice 10");
            }
            var request = new AtomicReference<String>();
            Database.servingRequest(() -> {
                try (var c = db.connection()) {
                    request.set(autogroupOf(c));
                }
            });
            assertThat(request.get()).endsWith("nice 0");
        }
    }

    @Test
    void onlyADatabaseOnThisMachineIsConcerned() {
        assertThat(BackendPriority.onThisMachine("jdbc:postgresql://127.0.0.1:5432/x")).isTrue();
        assertThat(BackendPriority.onThisMachine("jdbc:postgresql://localhost/x?user=a")).isTrue();
        assertThat(BackendPriority.onThisMachine("jdbc:postgresql://192.0.2.7:5432/x")).isFalse();
        assertThat(BackendPriority.forDatabase("jdbc:postgresql://127.0.0.1:5432/x", 0)).isEmpty();
    }
}
