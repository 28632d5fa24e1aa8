package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.awaitEnd;
import static dev.happyview.backfill.BackfillEngineTest.indexed;
import static dev.happyview.backfill.BackfillEngineTest.uploadRecordLexicon;
import static dev.happyview.backfill.SimnetBackfillTest.assertSameIndex;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.SimStats;
import dev.happyview.simnet.Strategy;
import dev.happyview.testing.TestApp;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The auto strategy against PDS hosts whose budgets bind: requests are spent where they are scarce — one getRepo per
 * repo with one budget, both budgets where getRepo has its own — never past a budget, and the index is exact.
 */
class BudgetedBackfillTest {
    static final String POSTS = "com.example.feed.post";
    static final String LIKES = "com.example.feed.like";

    /** 90 small repos on one host (a few over 100 posts): far more than the 20 points a 2-second window holds. */
    static Scenario.Builder crowdedHost() {
        return Scenario.builder().seed(21).repos(90).pdsHosts(1).collections(POSTS, LIKES).smallMax(150).largeShare(0)
                .latencyMs(5);
    }

    static JsonNode backfill(SimNetwork net, TestApp app) {
        uploadRecordLexicon(app, POSTS);
        var created = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + POSTS + "\"}");
        assertThat(created.status()).isEqualTo(201);
        JsonNode job = awaitEnd(app, created.json().get("id").asText());
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertSameIndex(indexed(app), net.groundTruth(Strategy.GET_REPO, Set.of(POSTS), null).records(), "auto");
        assertThat(net.stats().throttles()).as("429s").isEmpty();
        return job;
    }

    static TestApp app(SimNetwork net) {
        return TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl())
                .with(Setting.BACKFILL_STRATEGY, "auto"));
    }

    @Test
    void withOneBudgetEveryRepoCostsOneRequest() throws Exception {
        try (var net = SimNetwork.start(crowdedHost().rateLimit(20, 2).build()); var app = app(net)) {
            backfill(net, app);
            SimStats stats = net.stats();
            long cars = stats.count("pds0", "com.atproto.sync.getRepo");
            long listings = stats.count("pds0", "com.atproto.repo.listRecords");
            // Before the host has answered once nothing is known, so the first repos may be listed; after that one
            // request per repo.
            assertThat(cars + listings).as("requests for 90 repos").isLessThanOrEqualTo(90 + 10);
            assertThat(cars).as("getRepo (listRecords %d)", listings).isGreaterThanOrEqualTo(75);
        }
    }

    @Test
    void withASeparateGetRepoBudgetBothBudgetsAreSpent() throws Exception {
        try (var net = SimNetwork.start(crowdedHost().rateLimit(10, 2).getRepoRateLimit(20, 2).build()); var app = app(net)) {
            backfill(net, app);
            SimStats stats = net.stats();
            long cars = stats.count("pds0", "com.atproto.sync.getRepo");
            long listings = stats.count("pds0", "com.atproto.repo.listRecords");
            assertThat(cars).as("getRepo (listRecords %d)", listings).isGreaterThanOrEqualTo(30);
            assertThat(listings).as("listRecords (getRepo %d)", cars).isGreaterThanOrEqualTo(15);
            assertThat(cars + listings).as("requests for 90 repos").isLessThanOrEqualTo(90 + 25);
        }
    }

    @Test
    void plentifulBudgetsAreSpentOnListingWhichCarriesFewerBytes() throws Exception {
        try (var net = SimNetwork.start(crowdedHost().rateLimit(3000, 300).build()); var app = app(net)) {
            backfill(net, app);
            SimStats stats = net.stats();
            // A CAR only for the repos whose first page came back full.
            long full = net.dids().stream().filter(d -> net.collectionsOf(d).getOrDefault(POSTS, 0) >= 100).count();
            assertThat(stats.count("pds0", "com.atproto.sync.getRepo")).isEqualTo(full);
        }
    }
}
