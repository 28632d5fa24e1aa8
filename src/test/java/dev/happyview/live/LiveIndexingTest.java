package dev.happyview.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.simnet.JetstreamServer;
import dev.happyview.simnet.LiveMutator;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.testing.IndexComparison;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Backfill and the live stream together, over the simulated network (real sockets, real Postgres): whatever the
 * network did while the service was backfilling, reconnecting or away, once the changes stop the index equals the
 * network.
 */
class LiveIndexingTest {
    static final String POSTS = "com.example.feed.post";
    static final String LIKES = "com.example.feed.like";

    static Scenario scenario(long seed) {
        return Scenario.builder().seed(seed).repos(50).pdsHosts(2).collections(POSTS, LIKES).smallMax(120)
                .largeShare(0.04).largeMax(500).latencyMs(3).build();
    }

    static Config config(SimNetwork net, JetstreamServer js, String databaseUrl) {
        return TestApp.baseConfig().with(Setting.DATABASE_URL, databaseUrl)
                .with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                .with(Setting.LIVE_SOURCE, "jetstream").with(Setting.JETSTREAM_URL, js.url())
                .with(Setting.BACKFILL_RETRY_SECONDS, "0.2");
    }

    static void upload(TestApp app, String nsid, boolean backfill) {
        var r = app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(nsid, backfill));
        assertThat(r.status()).as(r.body()).isIn(200, 201);
    }

    /** Waits until the index equals the network's records of these collections, and says what differs if not. */
    static void awaitIndexEqualsNetwork(TestApp app, SimNetwork net, JetstreamServer js, Set<String> collections, Duration within) {
        IndexComparison.awaitEqual(app, net, collections, within, uris -> explain(app, js, uris)
                + "\nstream: sent " + js.sent() + " of " + js.published() + ", connections " + js.connectionsOpened()
                + liveThreads());
    }

    /** For a failure message: where the threads that carry the stream are. */
    static String liveThreads() {
        var out = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (!t.getName().matches("(?i).*(jetstream|httpclient|applier|batcher).*")) return;
            out.append("\n").append(t.getName()).append(" ").append(t.getState());
            for (int i = 0; i < Math.min(12, stack.length); i++) out.append("\n    at ").append(stack[i]);
        });
        return out.toString();
    }

    /** For a failure message: what the database and the stream say about some records. */
    static String explain(TestApp app, JetstreamServer js, List<String> uris) {
        var out = new StringBuilder();
        try (var c = app.app().database().connection()) {
            for (String uri : uris) {
                out.append("\n").append(uri);
                for (String q : List.of("SELECT rev, indexed_at::text FROM records WHERE uri = ?", "SELECT rev, deleted_at::text FROM record_tombstones WHERE uri = ?")) {
                    try (var st = c.prepareStatement(q)) {
                        st.setString(1, uri);
                        try (var rs = st.executeQuery()) {
                            while (rs.next()) out.append(" | ").append(rs.getString(1)).append(" ").append(rs.getString(2));
                        }
                    }
                }
                String did = uri.substring(5, uri.indexOf('/', 5));
                try (var st = c.prepareStatement("SELECT rev, state, updated_at::text FROM repo_sync WHERE did = ?")) {
                    st.setString(1, did);
                    try (var rs = st.executeQuery()) {
                        while (rs.next()) out.append(" sync ").append(rs.getString(1)).append(" ").append(rs.getString(2)).append(" ").append(rs.getString(3));
                    }
                }
                js.eventsMentioning(uri.substring(uri.lastIndexOf('/') + 1))
                        .forEach(e -> out.append("\n   ").append(e, 0, Math.min(300, e.length())));
            }
        } catch (Exception e) {
            out.append(e);
        }
        return out.toString();
    }

    static void awaitJobsEnded(TestApp app) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            var jobs = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json();
            for (var j : jobs) {
                if (j.get("status").asText().matches("pending|running|cancelling")) return false;
            }
            return true;
        });
    }

    /**
     * Two overlapping backfills of every repo (the lexicon uploads' jobs and an all-collections job) while the network
     * changes 120 times a second — creates, updates, deletes, also of records a backfill has already read, accounts
     * deleted, repos moved to another PDS — and the stream duplicates events, drops connections and drops one in the
     * middle of a frame.
     */
    @Test
    void backfillUnderChangeAndStreamFaultsEndsEqualToTheNetwork() throws Exception {
        try (var net = SimNetwork.start(scenario(21));
                var js = JetstreamServer.start(net, Duration.ofMinutes(10), 1_000_000);
                var app = TestApp.start(config(net, js, TestPostgres.newDatabaseUrl()))) {
            // Faults far apart compared with the 3 s the client rewinds on reconnect (~400 events here): a source that
            // drops the connection before a reconnect gets past its rewind lets no client make progress.
            js.faults(new JetstreamServer.Faults(25, 700, 1100));
            var mutator = LiveMutator.start(net, 120, Duration.ofSeconds(8), 5);
            Thread.sleep(300);
            upload(app, POSTS, true);
            upload(app, LIKES, true);
            assertThat(app.post("/admin/backfill", TestApp.ADMIN_KEY, "{}").status()).isEqualTo(201);
            Thread.sleep(2500);
            js.dropConnections();
            Thread.sleep(2500);
            js.cutNextFrame();
            assertThat(mutator.await(Duration.ofSeconds(30))).isTrue();
            awaitJobsEnded(app);
            awaitIndexEqualsNetwork(app, net, js, Set.of(POSTS, LIKES), Duration.ofSeconds(20));
            assertThat(mutator.ops()).isGreaterThan(500);
            assertThat(mutator.accountsDeleted()).as("accounts deleted").isPositive();
            assertThat(mutator.migrations()).as("repos moved to another PDS").isPositive();
            assertThat(js.connectionsOpened()).as("the stream was dropped and resumed (sent %d of %d)", js.sent(), js.published())
                    .isGreaterThan(3);
            // A fault may have dropped the connection as the client caught up; it reconnects after a backoff.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> app.get("/admin/live", TestApp.ADMIN_KEY).json().get("state").asText().equals("connected"));
            var live = app.get("/admin/live", TestApp.ADMIN_KEY).json();
            assertThat(live.get("repos").get("backfilling").asLong()).isZero();
            assertThat(live.get("buffered_events").asLong()).isZero();
            assertThat(live.get("events_applied").asLong()).isPositive();
            String metrics = app.get("/metrics", null).body();
            assertThat(metrics).containsPattern("happyview_live_events_applied_total [1-9]")
                    .containsPattern("happyview_live_events_buffered_total [1-9]")
                    .containsPattern("happyview_repos_sync\\{state=\"synchronized\"\\} [1-9]")
                    .contains("happyview_live_lag_p99_seconds", "happyview_live_gaps_total 0.0");
        }
    }

    /**
     * Compressed events (zstd with Jetstream's dictionary) while the network changes, with duplicates, a frame cut in
     * half and one the client cannot read: that one ends the connection, and the stream resumes before it.
     */
    @Test
    void compressedEventsUnderStreamFaultsEndEqualToTheNetwork() throws Exception {
        try (var net = SimNetwork.start(scenario(24));
                var js = JetstreamServer.start(net, Duration.ofMinutes(10), 1_000_000);
                var app = TestApp.start(config(net, js, TestPostgres.newDatabaseUrl()).with(Setting.JETSTREAM_COMPRESS, "true"))) {
            js.faults(new JetstreamServer.Faults(25, 0, 0));
            var mutator = LiveMutator.start(net, 80, Duration.ofSeconds(5), 7);
            upload(app, POSTS, true);
            upload(app, LIKES, true);
            Thread.sleep(1500);
            js.garbleNextFrame();
            Thread.sleep(1500);
            js.cutNextFrame();
            assertThat(mutator.await(Duration.ofSeconds(30))).isTrue();
            awaitJobsEnded(app);
            awaitIndexEqualsNetwork(app, net, js, Set.of(POSTS, LIKES), Duration.ofSeconds(20));
            assertThat(mutator.ops()).isGreaterThan(200);
            assertThat(js.framesGarbled()).as("the unreadable frame was sent").isEqualTo(1);
            assertThat(js.compressedConnections()).isEqualTo(js.connectionsOpened());
            assertThat(app.get("/admin/live", TestApp.ADMIN_KEY).json().get("events_applied").asLong()).isPositive();
        }
    }

    /** A record lexicon uploaded while live, without a backfill: its records created afterwards are indexed. */
    @Test
    void aNewRecordLexiconIsIndexedLiveFromItsUpload() throws Exception {
        try (var net = SimNetwork.start(scenario(22));
                var js = JetstreamServer.start(net, Duration.ofMinutes(10), 1_000_000);
                var app = TestApp.start(config(net, js, TestPostgres.newDatabaseUrl()))) {
            upload(app, POSTS, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> js.connected() == 1);
            String did = net.dids().get(3);
            String first = net.createRecord(did, POSTS, JsonNodeFactory.instance.objectNode().put("text", "one"));
            upload(app, LIKES, false); // the source subscribes again, from just before its cursor
            String like = net.createRecord(did, LIKES, JsonNodeFactory.instance.objectNode().put("text", "liked"));
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> app.indexedRecords().keySet().containsAll(List.of(first, like)));
            } catch (Throwable t) {
                throw new AssertionError(app.get("/admin/live", TestApp.ADMIN_KEY).body() + " sent " + js.sent() + " indexed " + app.indexedRecords(), t);
            }
            assertThat(app.indexedRecords()).hasSize(2);
            assertThat(js.connectionsOpened()).as("subscribed again once, for the new collection").isEqualTo(2);
            // happyview status shows it too
            var out = new StringWriter();
            var cli = dev.happyview.Main.commandLine(Map.of("HAPPYVIEW_URL", app.baseUrl(), "HAPPYVIEW_API_KEY", TestApp.ADMIN_KEY), false);
            cli.setOut(new PrintWriter(out, true));
            assertThat(cli.execute("status")).isZero();
            assertThat(out.toString()).contains("live: jetstream connected (" + js.url() + ")",
                    "repos: 1 synchronized, 0 backfilling, 0 desynchronized").containsPattern("lag p50 [0-9.]+ ms");
        }
    }

    /**
     * The service is away longer than the source keeps events: its cursor is refused (CursorTooOld), the gap is
     * recorded, a backfill repairs it, and the index ends equal to the network.
     */
    @Test
    void aCursorTheSourceNoLongerKeepsIsAGapRepairedByABackfill() throws Exception {
        String database = TestPostgres.newDatabaseUrl();
        try (var net = SimNetwork.start(scenario(23));
                var js = JetstreamServer.start(net, Duration.ofSeconds(6), 1_000_000)) {
            try (var app = TestApp.start(config(net, js, database))) {
                upload(app, POSTS, true);
                awaitJobsEnded(app);
                try (var m = LiveMutator.start(net, 50, Duration.ofSeconds(2), 6)) {
                    m.await(Duration.ofSeconds(10));
                }
                awaitIndexEqualsNetwork(app, net, js, Set.of(POSTS), Duration.ofSeconds(15));
            }
            try (var m = LiveMutator.start(net, 50, Duration.ofSeconds(9), 7)) { // while the service is away
                m.await(Duration.ofSeconds(15));
            }
            try (var app = TestApp.start(config(net, js, database))) {
                await().atMost(Duration.ofSeconds(15)).until(() -> app.get("/admin/live", TestApp.ADMIN_KEY).json().get("gaps").asLong() == 1);
                var gap = app.get("/admin/live", TestApp.ADMIN_KEY).json().get("recent_gaps").get(0);
                assertThat(gap.get("reason").asText()).contains("refused the cursor");
                assertThat(gap.get("job_id").isNull()).isFalse();
                awaitJobsEnded(app);
                awaitIndexEqualsNetwork(app, net, js, Set.of(POSTS), Duration.ofSeconds(20));
            }
        }
    }
}
