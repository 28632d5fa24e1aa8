package dev.happyview.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.Json;
import dev.happyview.simnet.JetstreamServer;
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
 * The whole service, backfilling and indexing live while the network changes, is killed with SIGKILL twice; each time
 * a new process on the same database resumes the job and the stream from their saved positions. Once the changes
 * stop, the index equals the network: nothing committed was lost, nothing skipped.
 */
public class LiveServiceKilledTest {
    static final String POSTS = LiveIndexingTest.POSTS;
    static final String LIKES = LiveIndexingTest.LIKES;

    @Test
    void killedTwiceWhileBackfillingAndStreamingItEndsEqualToTheNetwork() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = SimNetwork.start(LiveIndexingTest.scenario(31).toBuilder().latencyMs(15).build());
                var js = JetstreamServer.start(net, Duration.ofMinutes(10), 1_000_000);
                var http = HttpClient.newHttpClient();
                Connection c = DriverManager.getConnection(db)) {
            Map<String, String> env = serviceEnv(db, net, "jetstream", "JETSTREAM_URL", js.url());
            // Changes go on until both kills are done, however slow the machine is today.
            var mutator = LiveMutator.start(net, 60, Duration.ofMinutes(5), 9);
            killTwice(env, http, c, 1_000_000, POSTS, LIKES);
            try (var third = ServiceProcess.start(env)) {
                stopChanges(mutator);
                var expected = net.groundTruth(Set.of(POSTS, LIKES), null).records();
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> rows(c).equals(expected));
                } catch (ConditionTimeoutException e) {
                    var actual = rows(c);
                    String firstMissing = expected.keySet().stream().filter(k -> !expected.get(k).equals(actual.get(k))).findFirst().orElse("at://x/");
                    String did = firstMissing.substring(5, firstMissing.indexOf('/', 5));
                    var diag = new StringBuilder();
                    for (String q : new String[] {"SELECT did, rev, state, backfill_owner::text, backfill_expires_at::text, reason FROM repo_sync WHERE did = ?",
                            "SELECT did, count(*)::text, min(rev), max(rev) FROM live_buffer WHERE did = ? GROUP BY did",
                            "SELECT job_id::text, status, last_error, updated_at::text FROM backfill_repos WHERE did = ?"}) {
                        try (var st = c.prepareStatement(q)) {
                            st.setString(1, did);
                            try (var rs = st.executeQuery()) {
                                while (rs.next()) {
                                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) diag.append(rs.getString(i)).append(' ');
                                    diag.append('\n');
                                }
                            }
                        }
                    }
                    throw new AssertionError(diag + "differs: " + expected.keySet().stream().filter(k -> !expected.get(k).equals(actual.get(k))).limit(3).toList()
                            + " / extra " + actual.keySet().stream().filter(k -> !expected.containsKey(k)).limit(3).toList()
                            + "\n" + String.join("\n", third.output()), e);
                }
                assertThat(count(c, "SELECT count(*) FROM live_gaps")).as("the cursor was always resumable").isZero();
                assertThat(count(c, "SELECT count(*) FROM live_buffer")).isZero();
                var jobs = Json.MAPPER.readTree(get(http, third.url() + "/admin/backfill/status"));
                jobs.forEach(j -> assertThat(j.get("status").asText()).isEqualTo("completed"));
            }
        }
    }

    /** The environment of a service process on {@code db} over {@code net}, following {@code source} at {@code url}. */
    public static Map<String, String> serviceEnv(String db, SimNetwork net, String source, String urlSetting, String url) {
        return Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relayUrl(), "PLC_URL", net.plcUrl(),
                "LIVE_SOURCE", source, urlSetting, url, "BACKFILL_LEASE_SECONDS", "3",
                "BACKFILL_CONCURRENCY", "4", "BACKFILL_RETRY_SECONDS", "0.2");
    }

    /**
     * Starts the service with {@code env} and uploads the record lexicons; kills it once the live cursor and 300
     * records are committed. Starts a second process on the same database and kills it once the cursor has moved
     * {@code cursorStep} past where the first stopped.
     */
    public static void killTwice(Map<String, String> env, HttpClient http, Connection c, long cursorStep, String... lexicons)
            throws Exception {
        try (var first = ServiceProcess.start(env)) {
            for (String nsid : lexicons) post(http, first.url() + "/admin/lexicons", TestApp.recordLexiconUpload(nsid, true));
            await().atMost(Duration.ofSeconds(60)).until(() -> count(c, "SELECT count(*) FROM live_cursors") > 0
                    && count(c, "SELECT count(*) FROM records") > 300);
            first.kill();
        }
        long cursorAtFirstKill = count(c, "SELECT min(cursor) FROM live_cursors");
        try (var second = ServiceProcess.start(env)) {
            try {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> count(c, "SELECT min(cursor) FROM live_cursors") > cursorAtFirstKill + cursorStep);
            } catch (ConditionTimeoutException e) {
                throw new AssertionError("the second process did not move the cursor:\n" + String.join("\n", second.output()), e);
            }
            second.kill();
        }
    }

    /** Lets a freshly started process catch up with changes still coming for two seconds, then stops them. */
    public static void stopChanges(LiveMutator mutator) throws Exception {
        Thread.sleep(2000);
        mutator.close();
        assertThat(mutator.await(Duration.ofSeconds(5))).isTrue();
    }

    public static long count(Connection c, String sql) throws Exception {
        try (var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static Map<String, String> rows(Connection c) throws Exception {
        var rows = new HashMap<String, String>();
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        }
        return rows;
    }

    public static void post(HttpClient http, String url, String body) throws Exception {
        var resp = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TestApp.ADMIN_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).as(resp.body()).isIn(200, 201);
    }

    public static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TestApp.ADMIN_KEY).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
