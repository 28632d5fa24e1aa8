package dev.happyview.firehose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.simnet.FirehoseServer;
import dev.happyview.simnet.LiveMutator;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The whole service, backfilling and following the verified firehose while the network changes, is killed with
 * SIGKILL in the middle of the stream; a new process on the same database resumes after the saved sequence number.
 * Once the changes stop the index equals the network, and the events replayed after the restart (written before the
 * kill, not yet covered by the saved cursor) are recognised as already applied: no gap, nothing refused.
 */
class FirehoseServiceKilledTest {
    static final String POSTS = FirehoseIndexingTest.POSTS;
    static final String LIKES = FirehoseIndexingTest.LIKES;

    @Test
    void killedWhileStreamingItResumesFromTheSavedSeqAndEndsEqualToTheNetwork() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = SimNetwork.start(FirehoseIndexingTest.scenario(31).toBuilder().latencyMs(15).build());
                var fh = FirehoseServer.start(net, 1_000_000);
                var http = HttpClient.newHttpClient();
                Connection c = DriverManager.getConnection(db)) {
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relayUrl(), "PLC_URL", net.plcUrl(),
                    "LIVE_SOURCE", "firehose", "FIREHOSE_URL", fh.url(), "BACKFILL_LEASE_SECONDS", "3",
                    "BACKFILL_CONCURRENCY", "4", "BACKFILL_RETRY_SECONDS", "0.2");
            // Changes go on until the kill is done, however slow the machine is today.
            var mutator = LiveMutator.start(net, 60, Duration.ofMinutes(5), 9);
            try (var first = ServiceProcess.start(env)) {
                for (String nsid : new String[] {POSTS, LIKES}) {
                    post(http, first.url() + "/admin/lexicons", TestApp.recordLexiconUpload(nsid, true));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> count(c, "SELECT count(*) FROM live_cursors") > 0
                        && count(c, "SELECT count(*) FROM records") > 300);
                first.kill();
            }
            long cursorAtKill = count(c, "SELECT min(cursor) FROM live_cursors");
            try (var second = ServiceProcess.start(env)) {
                try {
                    await().atMost(Duration.ofSeconds(60))
                            .until(() -> count(c, "SELECT min(cursor) FROM live_cursors") > cursorAtKill + 50);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("the second process did not move the cursor:\n" + String.join("\n", second.output()), e);
                }
                mutator.close();
                assertThat(mutator.await(Duration.ofSeconds(5))).isTrue();
                var expected = net.groundTruth(Set.of(POSTS, LIKES), null).records();
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> rows(c).equals(expected));
                } catch (ConditionTimeoutException e) {
                    var actual = rows(c);
                    throw new AssertionError("differs: " + expected.keySet().stream().filter(k -> !expected.get(k).equals(actual.get(k))).limit(3).toList()
                            + " / extra " + actual.keySet().stream().filter(k -> !expected.containsKey(k)).limit(3).toList()
                            + "\n" + String.join("\n", second.output()), e);
                }
                assertThat(count(c, "SELECT count(*) FROM live_gaps")).as("the cursor was always resumable").isZero();
                assertThat(count(c, "SELECT count(*) FROM live_rejections")).as("nothing replayed was refused").isZero();
                assertThat(count(c, "SELECT count(*) FROM live_resyncs WHERE kind IN ('since_mismatch', 'prev_data_mismatch')"))
                        .as("events replayed after the restart were seen as applied, not as a broken chain").isZero();
                assertThat(count(c, "SELECT count(*) FROM live_buffer")).isZero();
                assertThat(count(c, "SELECT count(*) FROM repo_sync WHERE state <> 'synchronized'")).isZero();
            }
        }
    }

    static long count(Connection c, String sql) throws Exception {
        try (var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static Map<String, String> rows(Connection c) throws Exception {
        var rows = new HashMap<String, String>();
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        }
        return rows;
    }

    static void post(HttpClient http, String url, String body) throws Exception {
        var resp = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TestApp.ADMIN_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isIn(200, 201);
    }
}
