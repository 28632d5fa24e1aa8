package dev.happyview.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.TapSimulator;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The whole service, in Tap mode, is killed with SIGKILL ten times while the channel streams, each kill at a later
 * point of the stream (after a tenth, two tenths… of the records are in the index), and restarted on the same
 * database. Nothing may be lost, and the simulator must never see an ack for an event whose record is not committed
 * with the event's CID.
 */
class TapServiceKilledTest {
    static final String POSTS = "com.example.feed.post";

    @Test
    void tenKillsOfTheServiceMidStreamLoseNothingAndNeverAckEarly() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        var scenario = Scenario.builder().seed(31).repos(300).pdsHosts(2).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "secret", Duration.ofSeconds(2));
                var c = DriverManager.getConnection(db); var check = DriverManager.getConnection(db)) {
            Map<String, String> truth = net.groundTruth(Set.of(POSTS), null).records();
            var ackedTooEarly = TapModeTest.acksBeforeCommit(tap, uri -> cidOf(check, uri));
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relayUrl(), "PLC_URL", net.plcUrl(),
                    "BACKFILL_MODE", "tap", "TAP_URL", tap.url(), "TAP_ADMIN_PASSWORD", "secret");
            var indexedAtKill = new StringBuilder();
            for (int i = 1; i <= 10; i++) {
                // Delivery waits until the service is up, so the kill lands where the index is watched.
                tap.pause();
                try (var service = ServiceProcess.start(env)) {
                    if (i == 1) uploadLexicon(service.url());
                    tap.resume();
                    long threshold = truth.size() * i / 12;
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> count(c) >= threshold);
                    service.kill();
                }
                indexedAtKill.append(count(c)).append(' ');
            }
            try (var last = ServiceProcess.start(env)) {
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> tap.outboxSize() == 0 && rows(c).equals(truth));
            }
            System.out.printf("tap kills: records indexed at the ten kills: %s(of %d); events sent %d, redelivered %d%n",
                    indexedAtKill, truth.size(), tap.sentCount(), tap.redeliveredCount());
            assertThat(ackedTooEarly).as("events acknowledged before their record was committed").isEmpty();
            assertThat(tap.redeliveredCount()).as("events in flight at the kills were delivered again").isPositive();
        }
    }

    private static void uploadLexicon(String baseUrl) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var resp = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/admin/lexicons"))
                    .header("Authorization", "Bearer " + TestApp.ADMIN_KEY).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(TestApp.recordLexiconUpload(POSTS, true))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as(resp.body()).isEqualTo(201);
        }
    }

    static synchronized String cidOf(Connection c, String uri) {
        try (var st = c.prepareStatement("SELECT cid FROM records WHERE collection = split_part(?, '/', 4) AND uri = ?")) {
            st.setString(1, uri);
            st.setString(2, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM records")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, String> rows(Connection c) throws SQLException {
        var rows = new HashMap<String, String>();
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        }
        return rows;
    }
}
