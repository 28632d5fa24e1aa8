package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.awaitEnd;
import static dev.happyview.backfill.BackfillEngineTest.indexed;
import static dev.happyview.backfill.BackfillEngineTest.uploadRecordLexicon;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.simnet.Faults;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.Strategy;
import dev.happyview.testing.TestApp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Prune through {@code getRepo}: the verified CAR is the whole repo, so what it no longer holds is deleted — but only
 * after a CAR that verified to its end. A repo whose CAR is cut short keeps every record it had.
 */
class GetRepoPruneTest {
    static final String POSTS = "com.example.feed.post";

    @Test
    void aPruneRemovesWhatTheCarNoLongerHoldsAndNeverFollowsAFailedFetch() throws Exception {
        // One repo's CAR is always cut inside a block; its listRecords works, so a listing fills the index first.
        var scenario = Scenario.builder().seed(41).repos(8).pdsHosts(2).collections(POSTS).smallMax(40).largeShare(0)
                .faults("truncated-car:1").build();
        try (var net = SimNetwork.start(scenario);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl())
                        .with(Setting.PLC_URL, net.plcUrl()))) {
            uploadRecordLexicon(app, POSTS);
            JsonNode first = awaitEnd(app, start(app, "{\"collection\":\"" + POSTS + "\",\"strategy\":\"list-records\"}"));
            assertThat(first.get("status").asText()).isEqualTo("completed");
            var before = indexed(app);
            assertThat(before).isEqualTo(net.groundTruth(Strategy.LIST_RECORDS, Set.of(POSTS), null).records());

            String broken = net.didsWithFault(Faults.Kind.TRUNCATED_CAR).getFirst();
            var deleted = new ArrayList<String>();
            for (String did : net.dids()) {
                List<String> uris = List.copyOf(net.groundTruth(Strategy.LIST_RECORDS, Set.of(POSTS), did).records().keySet());
                for (String uri : uris.subList(0, Math.min(2, uris.size()))) {
                    assertThat(net.deleteRecord(uri)).isTrue();
                    deleted.add(uri);
                }
            }

            JsonNode pruning = awaitEnd(app, start(app,
                    "{\"collection\":\"" + POSTS + "\",\"strategy\":\"get-repo\",\"prune\":true}"));
            assertThat(pruning.get("status").asText()).isEqualTo("completed");
            assertThat(pruning.get("skipped_repos").asInt()).isEqualTo(1);
            JsonNode skipped = app.get("/admin/backfill/" + pruning.get("id").asText() + "/repos?status=skipped",
                    TestApp.ADMIN_KEY).json().get("repos");
            assertThat(skipped.get(0).get("did").asText()).isEqualTo(broken);
            assertThat(skipped.get(0).get("last_error").asText()).contains("truncated");

            var expected = new HashMap<>(before);
            for (String uri : deleted) {
                if (!uri.startsWith("at://" + broken + "/")) expected.remove(uri);
            }
            assertThat(deleted).anyMatch(u -> u.startsWith("at://" + broken + "/"))
                    .anyMatch(u -> !u.startsWith("at://" + broken + "/"));
            assertThat(indexed(app)).as("deleted upstream: pruned from verified repos, kept for the one that failed")
                    .isEqualTo(expected);
        }
    }

    private static String start(TestApp app, String body) {
        var r = app.post("/admin/backfill", TestApp.ADMIN_KEY, body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }
}
