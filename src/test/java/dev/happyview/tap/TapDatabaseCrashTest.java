package dev.happyview.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.TapSimulator;
import dev.happyview.testing.ExternalPostgres;
import dev.happyview.testing.TestApp;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Tap mode while the database crashes twice during the channel's drain (the whole server, then one backend), the
 * service running on. An event is acknowledged only after its batch's synchronous commit, so an acknowledged event
 * survives the crash: Tap never sends it again, and the index must still hold it. Events in flight are not
 * acknowledged and come again.
 */
class TapDatabaseCrashTest {
    static final String POSTS = "com.example.feed.post";

    @Test
    void twoDatabaseCrashesDuringTheDrainLoseNoAcknowledgedEvent() throws Exception {
        var scenario = Scenario.builder().seed(32).repos(300).pdsHosts(2).collections(POSTS).build();
        try (var pg = ExternalPostgres.startOrSkip();
                var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "secret", Duration.ofSeconds(2))) {
            String url = pg.newDatabase("happyview");
            Map<String, String> truth = net.groundTruth(Set.of(POSTS), null).records();
            var acked = new ConcurrentHashMap<String, String>(); // uri → cid of every acknowledged create or update
            tap.onAck(e -> {
                if (e.uri() != null && e.cid() != null && !"delete".equals(e.action())) acked.put(e.uri(), e.cid());
            });
            try (var app = TestApp.start(TestApp.baseConfig().with(Setting.DATABASE_URL, url)
                    .with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                    .with(Setting.BACKFILL_MODE, "tap").with(Setting.TAP_URL, tap.url())
                    .with(Setting.TAP_ADMIN_PASSWORD, "secret"))) {
                tap.pause();
                assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(POSTS, true))
                        .status()).isEqualTo(201);
                String id = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json().get(0).get("id").asText();
                tap.resume();

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> count(url) >= truth.size() / 3);
                long atFirst = count(url);
                pg.crash();
                Thread.sleep(1000);
                pg.start();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> count(url) >= truth.size() * 2 / 3);
                long atSecond = count(url);
                pg.killOneBackend("happyview");
                await().atMost(Duration.ofSeconds(30)).until(pg::accepting);

                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> tap.outboxSize() == 0 && truth.equals(rows(url)));
                System.out.printf("tap drain: records indexed at the crashes %d and %d of %d; events sent %d, redelivered %d%n",
                        atFirst, atSecond, truth.size(), tap.sentCount(), tap.redeliveredCount());
                assertThat(atSecond).as("the second crash landed mid-drain").isLessThan(truth.size());
                Map<String, String> index = rows(url);
                assertThat(acked).as("acknowledged events").isNotEmpty();
                acked.forEach((uri, cid) -> assertThat(index.get(uri)).as("acknowledged " + uri).isEqualTo(cid));
                assertThat(tap.redeliveredCount()).as("events in flight at the crashes came again").isPositive();
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("status").asText().equals("completed"));
                assertThat(app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("handed_off_repos").asInt())
                        .isEqualTo(300);
            }
        }
    }

    private static long count(String url) {
        try (var c = DriverManager.getConnection(url); var st = c.createStatement();
                var rs = st.executeQuery("SELECT count(*) FROM records")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }

    private static Map<String, String> rows(String url) throws Exception {
        var rows = new HashMap<String, String>();
        try (var c = DriverManager.getConnection(url); var st = c.createStatement();
                var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        }
        return rows;
    }
}
