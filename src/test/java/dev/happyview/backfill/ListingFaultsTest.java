package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static dev.happyview.backfill.BackfillEngineTest.awaitEnd;
import static dev.happyview.backfill.BackfillEngineTest.indexed;
import static dev.happyview.backfill.BackfillEngineTest.uploadRecordLexicon;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.config.Setting;
import dev.happyview.testing.TestApp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A PDS's {@code listRecords} answers are unauthenticated: records of another repo or collection, cursors that page
 * in a circle and answers that never become valid must each cost only that repo, with its reason, and must never
 * let a prune delete what the listing did not get to see.
 */
class ListingFaultsTest {

    @Test
    void recordsOfAnotherRepoOrCollectionSkipTheRepoAndAreNeverIndexed() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 6, 150); var app = BackfillEngineTest.app(net)) {
            List<String> dids = net.repos.keySet().stream().sorted().toList();
            String foreignDid = dids.get(0), foreignCollection = dids.get(1), victim = dids.get(2);
            net.rewrite = (did, cursor, page) -> {
                // On the second page, so the repo's first page is already on its way to the index.
                if (cursor == null) return page;
                if (did.equals(foreignDid)) addRecord(page, "at://" + victim + "/" + COLLECTION + "/3kforeignrec22");
                if (did.equals(foreignCollection)) addRecord(page, "at://" + did + "/com.example.other/3kforeignrec22");
                return page;
            };
            uploadRecordLexicon(app, COLLECTION);
            JsonNode job = awaitEnd(app, startJob(app, "{\"collection\":\"" + COLLECTION + "\"}"));
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("skipped_repos").asInt()).isEqualTo(2);
            assertThat(job.get("failed_repos").asInt()).isZero();
            Map<String, String> reasons = reasons(app, job, "skipped");
            assertThat(reasons).containsOnlyKeys(foreignDid, foreignCollection);
            assertThat(reasons.values()).allSatisfy(r -> assertThat(r).contains("another repo or collection"));
            assertThat(reasons.get(foreignDid)).contains(victim);
            assertThat(reasons.get(foreignCollection)).contains("com.example.other");
            Map<String, String> rows = indexed(app);
            assertThat(rows.keySet()).noneMatch(u -> u.contains("3kforeignrec22"));
            for (String did : dids.subList(2, 6)) {
                assertThat(rows).as(did).containsAllEntriesOf(only(net.groundTruth(), did));
            }
        }
    }

    @Test
    void aCursorThatComesBackSkipsTheRepoAndNothingIsPrunedAfterTheIncompleteListing() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 5, 350); var app = BackfillEngineTest.app(net)) {
            uploadRecordLexicon(app, COLLECTION);
            String body = "{\"collection\":\"" + COLLECTION + "\"}";
            assertThat(awaitEnd(app, startJob(app, body)).get("status").asText()).isEqualTo("completed");
            Map<String, String> before = indexed(app);
            assertThat(before).isEqualTo(net.groundTruth());
            // 4 pages, and the empty one that ends the listing unless the host has earned ending at a short page.
            Map<String, Long> firstJob = new HashMap<>();
            net.repos.keySet().forEach(did -> firstJob.put(did, net.pdsRequestsFor(did)));
            assertThat(firstJob.values()).allSatisfy(n -> assertThat(n).isBetween(4L, 5L));

            // Upstream, every repo loses its newest 20 records (on the first page); a prune must remove them where
            // the listing is complete and keep them where it is not.
            for (var records : net.repos.values()) {
                for (int i = 0; i < 20; i++) records.pollLastEntry();
            }
            List<String> dids = net.repos.keySet().stream().sorted().toList();
            String stuck = dids.get(0), circling = dids.get(1);
            var firstCursor = new HashMap<String, String>();
            net.rewrite = (did, cursor, page) -> {
                if (cursor == null) {
                    firstCursor.put(did, page.get("cursor").asText());
                } else if (did.equals(stuck)) {
                    page.put("cursor", cursor); // the same page's cursor again
                } else if (did.equals(circling) && !cursor.equals(firstCursor.get(did))) {
                    page.put("cursor", firstCursor.get(did)); // page 3 leads back to page 2
                }
                return page;
            };
            JsonNode job = awaitEnd(app, startJob(app, "{\"collection\":\"" + COLLECTION + "\",\"prune\":true}"));
            assertThat(job.get("status").asText()).isEqualTo("completed");
            Map<String, String> reasons = reasons(app, job, "skipped");
            assertThat(reasons).containsOnlyKeys(stuck, circling);
            assertThat(reasons.values()).allSatisfy(r -> assertThat(r).contains("repeated the listRecords cursor"));
            Map<String, String> after = indexed(app);
            assertThat(only(after, stuck)).as("nothing pruned after a listing that never finished").isEqualTo(only(before, stuck));
            assertThat(only(after, circling)).as("nothing pruned after a listing that never finished").isEqualTo(only(before, circling));
            for (String did : dids.subList(2, 5)) {
                assertThat(only(after, did)).as("pruned to what the PDS holds").isEqualTo(only(net.groundTruth(), did));
            }
            // Bounded: the pages up to the one whose cursor comes back.
            assertThat(net.pdsRequestsFor(stuck) - firstJob.get(stuck)).isEqualTo(2);
            assertThat(net.pdsRequestsFor(circling) - firstJob.get(circling)).isEqualTo(3);
        }
    }

    @Test
    void aRepoThatNeverGetsAValidAnswerEndsFailedAfterItsAttempts() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 4, 30);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relay.url())
                        .with(Setting.PLC_URL, net.plc.url()).with(Setting.BACKFILL_STRATEGY, "list-records")
                        .with(Setting.BACKFILL_MAX_ATTEMPTS, "3").with(Setting.BACKFILL_RETRY_SECONDS, "0.1"))) {
            String broken = net.repos.keySet().stream().sorted().findFirst().orElseThrow();
            net.rewrite = (did, cursor, page) -> did.equals(broken) ? null : page;
            uploadRecordLexicon(app, COLLECTION);
            JsonNode job = awaitEnd(app, startJob(app, "{\"collection\":\"" + COLLECTION + "\"}"));
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("failed_repos").asInt()).isEqualTo(1);
            assertThat(job.get("processed_repos").asInt()).isEqualTo(4);
            assertThat(reasons(app, job, "failed")).containsOnlyKeys(broken).hasEntrySatisfying(broken, r ->
                    assertThat(r).contains("listRecords answer is not valid").contains("after 3 attempts"));
            assertThat(net.pdsRequestsFor(broken)).as("one request per attempt").isEqualTo(3);
            var expected = new HashMap<>(net.groundTruth());
            expected.keySet().removeIf(u -> u.startsWith("at://" + broken + "/"));
            assertThat(indexed(app)).isEqualTo(expected);
        }
    }

    private static void addRecord(ObjectNode page, String uri) {
        ((ArrayNode) page.get("records")).addObject().put("uri", uri)
                .put("cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")
                .putObject("value").put("$type", COLLECTION).put("text", "not yours");
    }

    private static String startJob(TestApp app, String body) {
        var r = app.post("/admin/backfill", TestApp.ADMIN_KEY, body);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.json().get("id").asText();
    }

    /** DID → last_error of the job's repos in one status. */
    private static Map<String, String> reasons(TestApp app, JsonNode job, String status) {
        var out = new HashMap<String, String>();
        app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=" + status, TestApp.ADMIN_KEY).json()
                .get("repos").forEach(r -> out.put(r.get("did").asText(), r.path("last_error").asText()));
        return out;
    }

    private static Map<String, String> only(Map<String, String> rows, String did) {
        var out = new HashMap<String, String>();
        rows.forEach((uri, cid) -> {
            if (uri.startsWith("at://" + did + "/")) out.put(uri, cid);
        });
        return out;
    }
}
