package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.awaitEnd;
import static dev.happyview.backfill.BackfillEngineTest.indexed;
import static dev.happyview.backfill.BackfillEngineTest.uploadRecordLexicon;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.SimStats;
import dev.happyview.simnet.Strategy;
import dev.happyview.testing.TestApp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Backfills against the simulated network: strategies agree, faults are recorded, healthy repos are indexed. */
class SimnetBackfillTest {
    static final String POSTS = "com.example.feed.post";
    static final String LIKES = "com.example.feed.like";

    static TestApp app(SimNetwork net, String strategy) throws Exception {
        var app = TestApp.start(TestApp.baseConfig()
                .with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                .with(Setting.BACKFILL_STRATEGY, strategy).with(Setting.BACKFILL_RETRY_SECONDS, "0.2"));
        // Backfill on, so "all collections" jobs target them; the jobs these uploads start run too, harmlessly.
        for (String c : List.of(POSTS, LIKES)) {
            var r = app.post("/admin/lexicons", TestApp.ADMIN_KEY, BackfillEngineTest.lexiconUpload(c, true));
            assertThat(r.status()).as(r.body()).isEqualTo(201);
        }
        return app;
    }

    /** Equality of two uri-keyed maps, reported as what is missing, extra or different (not a 10,000-entry dump). */
    static void assertSameIndex(Map<String, String> actual, Map<String, String> expected, String what) {
        var missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        var extra = new TreeSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        var differing = new TreeSet<String>();
        expected.forEach((k, v) -> {
            if (actual.containsKey(k) && !actual.get(k).equals(v)) differing.add(k);
        });
        assertThat(missing.size() + extra.size() + differing.size())
                .as("%s: %d missing (e.g. %s), %d extra (e.g. %s), %d differ (e.g. %s)", what, missing.size(),
                        missing.stream().limit(3).toList(), extra.size(), extra.stream().limit(3).toList(),
                        differing.size(), differing.stream().limit(2).map(k -> k + " " + actual.get(k) + " vs " + expected.get(k)).toList())
                .isZero();
    }

    /** Runs an all-collections job and waits until it and every other job have ended. */
    static JsonNode backfillAll(TestApp app) {
        var created = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode job = awaitEnd(app, created.json().get("id").asText());
        app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json().forEach(j -> awaitEnd(app, j.get("id").asText()));
        return job;
    }

    /** uri → record JSON as Postgres normalizes it, so two databases can be compared row for row. */
    static Map<String, String> rows(TestApp app) throws Exception {
        var rows = new HashMap<String, String>();
        try (var c = app.app().database().connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT uri, cid, record::text FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3));
        }
        return rows;
    }

    @Test
    void listingCarAndAutoStrategiesIndexIdenticalRows() throws Exception {
        var scenario = Scenario.builder().seed(11).repos(60).pdsHosts(4).collections(POSTS, LIKES).giants(1, 1500).build();
        try (var net = SimNetwork.start(scenario)) {
            Map<String, String> listing;
            try (var app = app(net, "list-records")) {
                assertThat(backfillAll(app).get("status").asText()).isEqualTo("completed");
                assertSameIndex(indexed(app), net.groundTruth(Strategy.LIST_RECORDS, Set.of(POSTS, LIKES), null).records(), "listing");
                listing = rows(app);
            }
            for (String strategy : List.of("get-repo", "auto")) {
                try (var app = app(net, strategy)) {
                    JsonNode job = backfillAll(app);
                    assertThat(job.get("status").asText()).as(strategy).isEqualTo("completed");
                    assertSameIndex(rows(app), listing, strategy);
                }
            }
            assertThat(net.stats().count("com.atproto.sync.getRepo")).isPositive();
        }
    }

    @Test
    void corruptCarsAreRejectedWithClearReasonsWhileTheOtherReposSucceed() throws Exception {
        var scenario = Scenario.builder().seed(12).repos(40).pdsHosts(3).collections(POSTS)
                .faults("bad-sig:1,wrong-did:1,missing-block:1,hash-mismatch:1,truncated-car:1,cbor-bomb:1").build();
        try (var net = SimNetwork.start(scenario); var app = app(net, "get-repo")) {
            JsonNode job = backfillAll(app);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertSameIndex(indexed(app), net.groundTruth(Strategy.GET_REPO, Set.of(POSTS), null).records(), "get-repo");
            assertThat(job.get("skipped_repos").asInt()).isEqualTo(6);
            var skipped = app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=skipped", TestApp.ADMIN_KEY).json();
            var reasons = new StringBuilder();
            skipped.get("repos").forEach(r -> reasons.append(r.get("last_error").asText()).append('\n'));
            assertThat(reasons.toString()).contains("bad_signature", "wrong_did", "missing_block", "hash_mismatch",
                    "truncated", "limit_exceeded");
        }
    }

    @Test
    void networkFaultsAreRecordedWithReasonsAndEveryHealthyRepoIsIndexed() throws Exception {
        var scenario = Scenario.builder().seed(13).repos(60).pdsHosts(3).collections(POSTS)
                .faults("not-found:2,takendown:2,deactivated:1,did-404:2,did-410:1,wrong-pds:1,invalid-json:1:2,"
                        + "truncated:1:1,5xx:1:20").build();
        try (var net = SimNetwork.start(scenario); var app = app(net, "list-records")) {
            JsonNode job = backfillAll(app);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            var truth = net.groundTruth(Strategy.LIST_RECORDS, Set.of(POSTS), null);
            assertSameIndex(indexed(app), truth.records(), "listing");
            assertThat(job.get("skipped_repos").asInt()).isEqualTo(truth.expectedFailures().size());
            assertThat(job.get("failed_repos").asInt()).isZero();
            var skipped = app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=skipped", TestApp.ADMIN_KEY).json();
            var byDid = new HashMap<String, String>();
            skipped.get("repos").forEach(r -> byDid.put(r.get("did").asText(), r.get("last_error").asText()));
            assertThat(byDid.keySet()).isEqualTo(truth.expectedFailures().keySet());
            truth.expectedFailures().forEach((did, kind) -> {
                String reason = byDid.get(did);
                switch (kind) {
                    case DID_404, DID_410 -> assertThat(reason).as(did).contains("not found");
                    case TAKENDOWN, DEACTIVATED, NOT_FOUND, WRONG_PDS -> assertThat(reason).as(did).contains("400");
                    default -> assertThat(reason).as(did).isNotBlank();
                }
            });
        }
    }

    @Test
    void rateLimitStormsAreWaitedOutWithAndWithoutHeaders() throws Exception {
        var scenario = Scenario.builder().seed(14).repos(30).pdsHosts(2).collections(POSTS)
                .faults("429-storm:0:2,html-429:1:2").build();
        try (var net = SimNetwork.start(scenario); var app = app(net, "list-records")) {
            JsonNode job = backfillAll(app);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertSameIndex(indexed(app), net.groundTruth(Strategy.LIST_RECORDS, Set.of(POSTS), null).records(), "listing");
            List<SimStats.Throttle> throttles = net.stats().throttles();
            assertThat(throttles).isNotEmpty();
            for (var t : throttles) {
                if (t.withHeaders() && t.nextRequestAtMillis() > 0) {
                    assertThat(t.nextRequestAtMillis()).as("next request to %s after its 429", t.host())
                            .isGreaterThanOrEqualTo(t.resetEpochSeconds() * 1000);
                }
            }
        }
    }

    @Test
    void uploadingARecordLexiconStartsItsBackfillOnceAndBackfillFalseStartsNone() throws Exception {
        var scenario = Scenario.builder().seed(15).repos(25).pdsHosts(2).collections(POSTS, LIKES).build();
        try (var net = SimNetwork.start(scenario);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl())
                        .with(Setting.PLC_URL, net.plcUrl()))) {
            var quiet = app.post("/admin/lexicons", TestApp.ADMIN_KEY, BackfillEngineTest.lexiconUpload(LIKES, false));
            assertThat(quiet.status()).isEqualTo(201);
            var created = app.post("/admin/lexicons", TestApp.ADMIN_KEY,
                    "{\"lexicon_json\":" + Json.MAPPER.readTree(BackfillEngineTest.lexiconUpload(POSTS, true)).get("lexicon_json")
                            + "}"); // backfill omitted: on by default
            assertThat(created.status()).isEqualTo(201);
            JsonNode jobs = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json();
            assertThat(jobs).hasSize(1);
            assertThat(jobs.get(0).get("collection").asText()).isEqualTo(POSTS);
            JsonNode job = awaitEnd(app, jobs.get(0).get("id").asText());
            assertThat(job.get("status").asText()).isEqualTo("completed");
            var truth = net.groundTruth(Strategy.GET_REPO, Set.of(POSTS), null).records();
            assertSameIndex(indexed(app), truth, "auto-triggered");
            assertThat(job.get("total_records").asLong()).isEqualTo(truth.size());
            // Re-uploading an eligible lexicon starts nothing new.
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, BackfillEngineTest.lexiconUpload(POSTS, true)).status())
                    .isEqualTo(200);
            assertThat(app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json()).hasSize(1);
        }
    }
}
