package dev.happyview.simnet;

import static dev.happyview.simnet.SimHttp.get;
import static dev.happyview.simnet.SimHttp.q;
import static dev.happyview.simnet.SimHttp.xrpc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimLowerBoundTest {
    static final String C = "app.bsky.feed.post";

    @Test
    void tinyScenarioMatchesHandCalculation() throws IOException {
        // 2 repos × 250 records in one collection on one PDS, 10 ms latency, 3 points per 1 s window.
        Scenario s = Scenario.builder().seed(1).repos(2).pdsHosts(1).collections(C).giants(2, 250).latencyMs(10)
                .rateLimit(3, 1).build();
        try (SimNetwork n = SimNetwork.start(s)) {
            // listRecords: getLatestCommit, then 250 records = floor(250/100)+1 = 3 pages per repo (the third, short, is
            // the last); chain = (relay 1 + DID 1 + 1 + 3) × 10 = 60; host: Q = 8 → 3×10 + 1000 × floor(7/3) = 2030
            assertThat(n.lowerBoundMillis(Strategy.LIST_RECORDS, Set.of(C))).isEqualTo(2030);
            // getRepo: chain = 3 × 10 = 30; host: Q = 2 → 30 + 1000 × floor(1/3) = 30
            assertThat(n.lowerBoundMillis(Strategy.GET_REPO, Set.of(C))).isEqualTo(30);
            assertThat(n.bestLowerBoundMillis(Set.of(C))).isEqualTo(30);
            JsonNode served = get(n.relayUrl() + "/lower-bound?collections=" + C).json();
            assertThat(served.get("list_records").asLong()).isEqualTo(2030);
            assertThat(served.get("get_repo").asLong()).isEqualTo(30);
            assertThat(served.get("best").asLong()).isEqualTo(30);
        }
        try (SimNetwork n = SimNetwork.start(s.toBuilder().rateLimit(0, 300).build())) {
            assertThat(n.lowerBoundMillis(Strategy.LIST_RECORDS, Set.of(C))).isEqualTo(60);
            assertThat(n.lowerBoundMillis(Strategy.GET_REPO, null)).isEqualTo(30);
        }
        // a permanently failing repo adds nothing
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(1).repos(3).pdsHosts(1).collections(C).giants(2, 250)
                .latencyMs(10).rateLimit(3, 1).faults("not-found:1").build())) {
            assertThat(n.lowerBoundMillis(Strategy.LIST_RECORDS, Set.of(C))).isEqualTo(2030);
        }
    }

    @Test
    void theBestBoundSpreadsRepoAcrossBothBudgetsOfAHost() throws IOException {
        // 4 repos of one record (one page each) on one PDS, 10 ms latency, 2 points per 1 s window.
        Scenario s = Scenario.builder().seed(1).repos(4).pdsHosts(1).collections(C).smallMax(1).largeShare(0)
                .latencyMs(10).rateLimit(2, 1).build();
        try (SimNetwork n = SimNetwork.start(s)) {
            // One budget: 4 getRepo → 30 + 1000 × floor(3/2) = 1030; listing takes getLatestCommit and a page per repo,
            // 8 requests → 30 + 1000 × floor(7/2) = 3030.
            assertThat(n.lowerBoundMillis(Strategy.LIST_RECORDS, Set.of(C))).isEqualTo(3030);
            assertThat(n.lowerBoundMillis(Strategy.GET_REPO, Set.of(C))).isEqualTo(1030);
            assertThat(n.bestLowerBoundMillis(Set.of(C))).isEqualTo(1030);
        }
        try (SimNetwork n = SimNetwork.start(s.toBuilder().getRepoRateLimit(2, 1).build())) {
            // getRepo has its own 2 points: getRepo alone needs a second window (1030), listing alone 8 requests on
            // the other budget (3030); one listed (2 requests) and three as CARs still need a second getRepo window,
            // and two listed need a second listing window → 1030.
            assertThat(n.lowerBoundMillis(Strategy.LIST_RECORDS, Set.of(C))).isEqualTo(3030);
            assertThat(n.lowerBoundMillis(Strategy.GET_REPO, Set.of(C))).isEqualTo(1030);
            assertThat(n.bestLowerBoundMillis(Set.of(C))).isEqualTo(1030);
        }
        // A repo whose CAR is broken can only be listed.
        try (SimNetwork n = SimNetwork.start(s.toBuilder().getRepoRateLimit(2, 1).faults("bad-sig:3").build())) {
            // 3 must be listed: 6 requests on 2 points whatever the 4th does → 30 + 1000 × floor(5/2) = 2030.
            assertThat(n.bestLowerBoundMillis(Set.of(C))).isEqualTo(2030);
        }
    }

    @Test
    void aSequentialBackfillNeverBeatsTheBound() throws IOException {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(2).repos(4).pdsHosts(2).collections(C).latencyMs(15).build())) {
            long t0 = System.nanoTime();
            int records = 0;
            String cursor = null;
            do {
                JsonNode page = xrpc(n.relayUrl(), "com.atproto.sync.listReposByCollection", "collection=" + C
                        + (cursor == null ? "" : "&cursor=" + cursor)).json();
                for (JsonNode r : page.get("repos")) {
                    String did = r.get("did").asText();
                    String pds = get(n.plcUrl() + "/" + did).json().get("service").get(0).get("serviceEndpoint").asText();
                    String c = null;
                    while (true) {
                        JsonNode recs = xrpc(pds, "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + C
                                + "&limit=100" + (c == null ? "" : "&cursor=" + c)).json();
                        if (recs.get("records").isEmpty()) {
                            break;
                        }
                        records += recs.get("records").size();
                        c = recs.get("cursor").asText();
                    }
                }
                cursor = page.has("cursor") ? page.get("cursor").asText() : null;
            } while (cursor != null);
            long took = (System.nanoTime() - t0) / 1_000_000;
            assertThat(records).isEqualTo(n.groundTruth(Strategy.LIST_RECORDS, Set.of(C), null).size());
            assertThat(took).isGreaterThanOrEqualTo(n.lowerBoundMillis(Strategy.LIST_RECORDS, Set.of(C)));
        }
    }
}
