package dev.happyview.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.TapSimulator;
import dev.happyview.testing.TestApp;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/** Tap mode end to end: simulated network, simulated Tap, the real service and Postgres. */
class TapModeTest {
    static final String POSTS = "com.example.feed.post";

    static TestApp app(SimNetwork net, TapSimulator tap, String password) {
        return TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                .with(Setting.BACKFILL_MODE, "tap").with(Setting.TAP_URL, tap.url())
                .with(Setting.TAP_ADMIN_PASSWORD, password));
    }

    static String lexicon(boolean backfill) {
        return TestApp.recordLexiconUpload(POSTS, backfill);
    }

    static String cidInDb(TestApp app, String uri) {
        try (var c = app.app().database().connection();
                var st = c.prepareStatement("SELECT cid FROM records WHERE collection = split_part(?, '/', 4) AND uri = ?")) {
            st.setString(1, uri);
            st.setString(2, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Watches every acknowledgement: by then the event must be committed as it left the record — its CID in the
     * index, or no row at all after a delete. Returns the violations seen.
     */
    static List<String> acksBeforeCommit(TapSimulator tap, Function<String, String> cidInDb) {
        var violations = new CopyOnWriteArrayList<String>();
        tap.onAck(e -> {
            if (e.uri() == null) return; // an identity event writes nothing
            String indexed = cidInDb.apply(e.uri());
            boolean committed = "delete".equals(e.action()) ? indexed == null : e.cid().equals(indexed);
            if (!committed) violations.add(e.action() + " " + e.uri() + " " + e.cid() + " acked while the index held " + indexed);
        });
        return violations;
    }

    static void awaitIndex(TestApp app, SimNetwork net, TapSimulator tap) {
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                    tap.outboxSize() == 0 && app.indexedRecords().equals(net.groundTruth(Set.of(POSTS), null).records()));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("channel not drained: outbox %d, sent %d, redelivered %d, indexed %d of %d, consumer %s"
                    .formatted(tap.outboxSize(), tap.sentCount(), tap.redeliveredCount(), app.indexedRecords().size(),
                            net.groundTruth(Set.of(POSTS), null).size(), app.app().tapConsumer().status()), e);
        }
    }

    @Test
    void aTapJobHandsReposOffAndTheChannelFillsTheIndexIncludingLiveChanges() throws Exception {
        var scenario = Scenario.builder().seed(21).repos(40).pdsHosts(2).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "secret", Duration.ofSeconds(1));
                var app = app(net, tap, "secret")) {
            var ackedTooEarly = acksBeforeCommit(tap, uri -> cidInDb(app, uri));
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, lexicon(true)).status()).isEqualTo(201);
            JsonNode jobs = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json();
            assertThat(jobs).hasSize(1);
            String id = jobs.get(0).get("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("status").asText().equals("completed"));
            JsonNode job = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json();
            assertThat(job.get("handed_off_repos").asInt()).isEqualTo(40);
            assertThat(job.get("mode").asText()).isEqualTo("tap");
            awaitIndex(app, net, tap);

            String did = net.dids().getFirst();
            String created = net.createRecord(did, POSTS, Json.MAPPER.readTree("{\"$type\":\"" + POSTS + "\",\"text\":\"live\"}"));
            var someUri = net.groundTruth(Set.of(POSTS), did).records().keySet().stream().filter(u -> !u.equals(created)).findFirst().orElseThrow();
            String before = cidInDb(app, someUri);
            String edited = net.updateRecord(someUri, Json.MAPPER.readTree("{\"$type\":\"" + POSTS + "\",\"text\":\"edited\"}"));
            var other = net.groundTruth(Set.of(POSTS), net.dids().get(1)).records().keySet().iterator().next();
            net.deleteRecord(other);
            awaitIndex(app, net, tap);
            assertThat(cidInDb(app, created)).isNotNull();
            assertThat(cidInDb(app, someUri)).isEqualTo(edited).isNotEqualTo(before);
            assertThat(cidInDb(app, other)).isNull();
            assertThat(ackedTooEarly).as("events acknowledged before their record was committed").isEmpty();

            JsonNode stats = app.get("/admin/tap/stats", TestApp.ADMIN_KEY).json();
            assertThat(stats.get("repo_count").asInt()).isEqualTo(40);
            assertThat(stats.get("outbox_buffer").asInt()).isZero();
            assertThat(stats.get("connection_state").asText()).isEqualTo("connected");
            assertThat(stats.get("events_applied").asLong()).isPositive();
        }
    }

    @Test
    void droppingTheConnectionTenTimesMidStreamLosesNothingAndNeverAcksEarly() throws Exception {
        var scenario = Scenario.builder().seed(22).repos(300).pdsHosts(2).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "secret", Duration.ofMillis(500));
                var app = app(net, tap, "secret")) {
            var ackedTooEarly = acksBeforeCommit(tap, uri -> cidInDb(app, uri));
            var acked = new AtomicLong();
            tap.onAck(e -> {
                if (e.uri() != null) acked.incrementAndGet();
            });
            var ackedAtDrops = new StringBuilder();
            long records = net.groundTruth(Set.of(POSTS), null).size();
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, lexicon(true)).status()).isEqualTo(201);
            for (int i = 1; i <= 10; i++) {
                // Each drop after a further twelfth of the records was acknowledged: mid-stream, whatever the speed.
                long threshold = records * i / 12;
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(2)).until(() -> acked.get() >= threshold);
                app.app().tapConsumer().dropConnection();
                ackedAtDrops.append(acked.get()).append(' ');
            }
            awaitIndex(app, net, tap);
            System.out.printf("tap drops: records acknowledged at the ten drops: %s(of %d); sent %d, redelivered %d, copies dropped %d%n",
                    ackedAtDrops, records, tap.sentCount(), tap.redeliveredCount(), app.app().tapConsumer().status().copiesDropped());
            assertThat(ackedTooEarly).isEmpty();
            assertThat(tap.redeliveredCount()).as("events in flight when connections dropped were sent again").isPositive();
        }
    }

    @Test
    void malformedFramesAreDeadLetteredAndAcknowledged() throws Exception {
        var scenario = Scenario.builder().seed(23).repos(5).pdsHosts(1).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "", Duration.ofSeconds(1));
                var app = app(net, tap, "")) {
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, lexicon(false)).status()).isEqualTo(201);
            var acked = new CopyOnWriteArrayList<Long>();
            tap.onAck(e -> acked.add(e.id()));
            long bad = tap.injectFrame("did:plc:x", "{\"type\":\"record\",\"record\":{\"did\":\"nope\",\"action\":\"create\"}}");
            long unknown = tap.injectFrame("did:plc:x", "{\"type\":\"mystery\"}");
            await().atMost(Duration.ofSeconds(20)).until(() -> acked.containsAll(List.of(bad, unknown)));
            try (var c = app.app().database().connection(); var st = c.createStatement();
                    var rs = st.executeQuery("SELECT count(*), string_agg(reason, '; ') FROM tap_dead_letters")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
                assertThat(rs.getString(2)).contains("did").contains("mystery");
            }
        }
    }

    @Test
    void aWrongPasswordOrAnAbsentTapIsReportedClearly() throws Exception {
        var scenario = Scenario.builder().seed(24).repos(5).pdsHosts(1).collections(POSTS).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(POSTS), "secret", Duration.ofSeconds(1));
                var app = app(net, tap, "wrong")) {
            var stats = app.get("/admin/tap/stats", TestApp.ADMIN_KEY);
            assertThat(stats.status()).isEqualTo(502);
            assertThat(stats.json().get("message").asText()).contains("password");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    app.app().tapConsumer().status().state() == ChannelState.UNAUTHORIZED);
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, lexicon(true)).status()).isEqualTo(201);
            String id = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json().get(0).get("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("status").asText().equals("failed"));
            assertThat(app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("error").asText()).contains("password");
        }
        try (var app = TestApp.start(TestApp.baseConfig().with(Setting.BACKFILL_MODE, "tap")
                .with(Setting.TAP_URL, "http://127.0.0.1:9"))) {
            var stats = app.get("/admin/tap/stats", TestApp.ADMIN_KEY);
            assertThat(stats.status()).isEqualTo(502);
            assertThat(stats.json().get("error").asText()).isEqualTo("TapUnavailable");
        }
    }
}
