package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillCrashResumeTest.COLLECTION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A SIGKILL that lands exactly inside a record batch's transaction: a trigger installed by the test holds the batch
 * statement (rows written, no COMMIT yet) in {@code pg_sleep}; the test sees that backend sleeping and kills the
 * service. The transaction never commits, so neither its rows nor the repos' completion marks exist; after a restart
 * the job must end with the index and the counters exact.
 */
class BackfillKilledInCommitTest {

    @Test
    void aKillInsideABatchTransactionLosesNothing() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = new MiniNetwork(COLLECTION, 60, 400); var c = DriverManager.getConnection(db)) {
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "3", "BACKFILL_STRATEGY", "list-records");
            String jobId;
            try (var first = ServiceProcess.start(env)) { // the first start creates the schema
                BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                installSleepTrigger(c, 4000);
                jobId = BackfillCrashResumeTest.post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> sleepingBatch(c) != null);
                first.kill();
            }
            long committedAtKill = count(c);
            // The held transaction dies with its backend; the trigger stays but no longer sleeps.
            try (var st = c.createStatement()) {
                st.execute("UPDATE test_sleep_switch SET sleeping = false");
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'");
            }
            try (var second = ServiceProcess.start(env)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> BackfillCrashResumeTest.status(c, jobId).equals("completed"));
            }
            System.out.printf("kill inside a batch: %d records committed before the held batch%n", committedAtKill);
            assertThat(committedAtKill).as("the kill landed mid-job").isBetween(1L, 60L * 400 - 1);
            BackfillCrashResumeTest.assertExact(c, jobId, net.groundTruth(), 60, 60 * 400);
        }
    }

    /** Once {@code records} holds {@code after} rows, the next batch statement sleeps inside its transaction. */
    private static void installSleepTrigger(Connection c, int after) throws Exception {
        try (var st = c.createStatement()) {
            st.execute("CREATE TABLE test_sleep_switch (sleeping boolean NOT NULL)");
            st.execute("INSERT INTO test_sleep_switch VALUES (true)");
            st.execute("""
                    CREATE FUNCTION test_sleep_in_batch() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      IF (SELECT sleeping FROM test_sleep_switch) AND (SELECT count(*) FROM records) >= %d THEN
                        PERFORM pg_sleep(120);
                      END IF;
                      RETURN NULL;
                    END $$""".formatted(after));
            st.execute("CREATE TRIGGER test_sleep_in_batch AFTER INSERT ON records FOR EACH STATEMENT EXECUTE FUNCTION test_sleep_in_batch()");
        }
    }

    /** The pid of a backend sleeping in the trigger, i.e. inside an uncommitted record batch, or null. */
    private static Integer sleepingBatch(Connection c) throws Exception {
        try (var st = c.createStatement(); var rs = st.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND state = 'active' AND query ILIKE '%records%'")) {
            return rs.next() ? rs.getInt(1) : null;
        }
    }

    private static long count(Connection c) throws Exception {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM records")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
