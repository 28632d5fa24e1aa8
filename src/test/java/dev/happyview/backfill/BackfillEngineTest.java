package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.testing.TestApp;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackfillEngineTest {
    static final String COLLECTION = "com.example.feed.post";

    static TestApp app(MiniNetwork net) {
        return TestApp.start(TestApp.baseConfig()
                .with(Setting.RELAY_URL, net.relay.url())
                .with(Setting.PLC_URL, net.plc.url())
                .with(Setting.BACKFILL_STRATEGY, "list-records")); // the mini network serves no CARs
    }

    /** A record lexicon uploaded through the API with backfill off, so the test decides when jobs run. */
    static void uploadRecordLexicon(TestApp app, String nsid) {
        var r = app.post("/admin/lexicons", TestApp.ADMIN_KEY, lexiconUpload(nsid, false));
        assertThat(r.status()).as(r.body()).isIn(200, 201);
    }

    static String lexiconUpload(String nsid, boolean backfill) {
        return TestApp.recordLexiconUpload(nsid, backfill);
    }

    static Map<String, String> indexed(TestApp app) {
        return app.indexedRecords();
    }

    static JsonNode awaitEnd(TestApp app, String id) {
        var job = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            job[0] = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json();
            return !job[0].get("status").asText().matches("pending|running|cancelling");
        });
        return job[0];
    }

    @Test
    void aRecordWithANulIsLeftOutAndNamedWhileTheRestOfItsRepoIsIndexed() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 3, 20); var app = app(net)) {
            String did = net.repos.keySet().iterator().next();
            var records = net.repos.get(did);
            String nulKey = records.firstKey();
            records.get(nulKey).put("text", "a" + (char) 0 + "b");
            records.get(records.lastKey()).put("text", "quoting the escape: \\u0000");
            uploadRecordLexicon(app, COLLECTION);
            var created = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}");
            JsonNode job = awaitEnd(app, created.json().get("id").asText());

            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("skipped_repos").asInt() + job.get("failed_repos").asInt()).isZero();
            String nulUri = "at://" + did + "/" + COLLECTION + "/" + nulKey;
            var expected = new HashMap<>(net.groundTruth());
            expected.remove(nulUri);
            assertThat(indexed(app)).isEqualTo(expected);
            var repo = app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=completed", TestApp.ADMIN_KEY)
                    .json().get("repos");
            var notes = new HashMap<String, String>();
            repo.forEach(r -> notes.put(r.get("did").asText(), r.path("last_error").asText(null)));
            assertThat(notes.get(did)).contains("1 record(s) not stored", nulUri);
            assertThat(notes.values().stream().filter(Objects::nonNull)).hasSize(1);
        }
    }

    @Test
    void aJobIndexesExactlyWhatTheNetworkHoldsWithExactCounters() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 30, 250); var app = app(net)) {
            net.failing.put(net.repos.keySet().iterator().next(), "RepoTakendown");
            uploadRecordLexicon(app, COLLECTION);
            var created = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}");
            assertThat(created.status()).isEqualTo(201);
            JsonNode job = awaitEnd(app, created.json().get("id").asText());

            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("stage").asText()).isEqualTo("completed");
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            assertThat(job.get("total_repos").asInt()).isEqualTo(30);
            assertThat(job.get("processed_repos").asInt()).isEqualTo(30);
            assertThat(job.get("skipped_repos").asInt()).isEqualTo(1);
            assertThat(job.get("total_records").asLong()).isEqualTo(29 * 250);

            var skipped = app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=skipped", TestApp.ADMIN_KEY).json();
            assertThat(skipped.get("repos")).hasSize(1);
            assertThat(skipped.get("repos").get(0).get("last_error").asText()).contains("RepoTakendown");
        }
    }

    @Test
    void cancelIsTwoPhaseAndKeepsTheStageWhereTheJobStopped() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 60, 1000); var app = app(net)) {
            net.pdsLatencyMillis = 100;
            uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> !indexed(app).isEmpty());
            var cancel = app.post("/admin/backfill/" + id + "/cancel", TestApp.ADMIN_KEY, null);
            assertThat(cancel.status()).isEqualTo(200);
            assertThat(cancel.json().get("status").asText()).isIn("cancelling", "cancelled");
            var again = app.post("/admin/backfill/" + id + "/cancel", TestApp.ADMIN_KEY, null);
            assertThat(again.status()).isEqualTo(200);
            JsonNode job = awaitEnd(app, id);
            assertThat(job.get("status").asText()).isEqualTo("cancelled");
            assertThat(job.get("stage").asText()).isEqualTo("fetching_records");
            assertThat(job.get("error").asText()).isEqualTo("cancelled by user");
            assertThat(job.get("processed_repos").asInt()).isLessThan(60);
            assertThat(app.post("/admin/backfill/" + id + "/cancel", TestApp.ADMIN_KEY, null).json().get("status").asText())
                    .isEqualTo("cancelled");
            long requestsAtEnd = net.pds.requests().size();
            Thread.sleep(500);
            assertThat(net.pds.requests().size()).as("no fetching after cancel").isEqualTo(requestsAtEnd);
        }
    }

    @Test
    void cancellingAnEndedJobIs400AndAnUnknownOne404() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 2, 3); var app = app(net)) {
            uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            assertThat(awaitEnd(app, id).get("status").asText()).isEqualTo("completed");
            assertThat(app.post("/admin/backfill/" + id + "/cancel", TestApp.ADMIN_KEY, null).status()).isEqualTo(400);
            assertThat(app.post("/admin/backfill/" + UUID.randomUUID() + "/cancel", TestApp.ADMIN_KEY, null).status())
                    .isEqualTo(404);
        }
    }

    @Test
    void twoProcessesShareOneJobAndFetchEveryRepoOnce() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 80, 150)) {
            net.pdsLatencyMillis = 20;
            // Each process may fetch 8 repos at once.
            var config = TestApp.baseConfig().with(Setting.RELAY_URL, net.relay.url()).with(Setting.PLC_URL, net.plc.url())
                    .with(Setting.BACKFILL_STRATEGY, "list-records")
                    .with(Setting.BACKFILL_CONCURRENCY, "8");
            // The PDS holds every answer until both processes hold fetch claims, so both take part whatever their
            // timing: each then has its own repos in flight.
            var bothFetching = new CountDownLatch(1);
            net.rewrite = (did, cursor, page) -> {
                try {
                    bothFetching.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return page;
            };
            try (var first = TestApp.start(config); var second = TestApp.start(config.with(Setting.PORT, "0"))) {
                uploadRecordLexicon(first, COLLECTION);
                String id = first.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                        .json().get("id").asText();
                await().atMost(Duration.ofSeconds(30)).until(() -> fetchingProcesses(first, id) == 2);
                bothFetching.countDown();
                JsonNode job = awaitEnd(second, id);
                assertThat(job.get("status").asText()).isEqualTo("completed");
                assertThat(indexed(first)).isEqualTo(net.groundTruth());
                assertThat(job.get("total_records").asLong()).isEqualTo(80 * 150);
                // 150 records = a full page and a short one, plus the empty page that ends the listing while each
                // process checks that this host's short pages are its last (ListingEnds).
                for (String did : net.repos.keySet()) assertThat(net.pdsRequestsFor(did)).as(did).isBetween(2L, 3L);
                long byFirst = first.app().backfill().completedRepos();
                long bySecond = second.app().backfill().completedRepos();
                assertThat(byFirst + bySecond).isEqualTo(80);
                assertThat(byFirst).as("first process took part").isPositive();
                assertThat(bySecond).as("second process took part").isPositive();
            }
        }
    }

    /** How many processes hold claims on the job's resolved repos, i.e. are fetching them. */
    static int fetchingProcesses(TestApp app, String jobId) throws Exception {
        try (var c = app.app().database().connection(); var st = c.prepareStatement("""
                SELECT count(DISTINCT lease_owner) FROM backfill_repos
                 WHERE job_id = ?::uuid AND status = 'resolved' AND lease_owner IS NOT NULL""")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void aDidAndCollectionJobSkipsTheRelayAndAnInvalidRequestNamesTheField() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 5, 20); var app = app(net)) {
            uploadRecordLexicon(app, COLLECTION);
            String did = net.repos.keySet().iterator().next();
            var bad = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"did\":\"not-a-did\"}");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("message").asText()).contains("did");
            var unknown = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"com.example.nothing\"}");
            assertThat(unknown.status()).isEqualTo(400);
            assertThat(unknown.json().get("message").asText()).contains("collection");
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY,
                    "{\"did\":\"" + did + "\",\"collection\":\"" + COLLECTION + "\"}").json().get("id").asText();
            JsonNode job = awaitEnd(app, id);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("total_repos").asInt()).isEqualTo(1);
            var expected = new HashMap<String, String>();
            net.groundTruth().forEach((uri, cid) -> {
                if (uri.startsWith("at://" + did + "/")) expected.put(uri, cid);
            });
            assertThat(indexed(app)).isEqualTo(expected);
            assertThat(net.relay.requests()).isEmpty();
        }
    }

    @Test
    void pruneRemovesRecordsDeletedUpstream() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 4, 30); var app = app(net)) {
            uploadRecordLexicon(app, COLLECTION);
            String body = "{\"collection\":\"" + COLLECTION + "\"}";
            awaitEnd(app, app.post("/admin/backfill", TestApp.ADMIN_KEY, body).json().get("id").asText());
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            var repo = net.repos.values().iterator().next();
            for (int i = 0; i < 7; i++) repo.pollFirstEntry();
            String plain = app.post("/admin/backfill", TestApp.ADMIN_KEY, body).json().get("id").asText();
            awaitEnd(app, plain);
            assertThat(indexed(app)).hasSize(net.groundTruth().size() + 7);
            String pruning = app.post("/admin/backfill", TestApp.ADMIN_KEY,
                    "{\"collection\":\"" + COLLECTION + "\",\"prune\":true}").json().get("id").asText();
            awaitEnd(app, pruning);
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"discovering_repos", "resolving_pds", "fetching_records"})
    void aJobCancelledInAnyStageEndsCancelledInThatStage(String stage) throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 2500, 2); var app = app(net)) {
            switch (stage) {
                case "discovering_repos" -> net.relayLatencyMillis = 1500; // three slow relay pages
                case "resolving_pds" -> net.plcLatencyMillis = 400;
                default -> net.pdsLatencyMillis = 400;
            }
            uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                    app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json().get("stage").asText().equals(stage));
            assertThat(app.post("/admin/backfill/" + id + "/cancel", TestApp.ADMIN_KEY, null).status()).isEqualTo(200);
            JsonNode job = awaitEnd(app, id);
            assertThat(job.get("status").asText()).isEqualTo("cancelled");
            assertThat(job.get("stage").asText()).isEqualTo(stage);
            assertThat(job.get("completed_at").isNull()).isFalse();
        }
    }

    @Test
    void aJobCancelledRightAfterCreationNeverFetches() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 50, 5); var app = app(net)) {
            net.relayLatencyMillis = 500;
            uploadRecordLexicon(app, COLLECTION);
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                    .json().get("id").asText();
            assertThat(app.post("/admin/backfill/" + id + "/cancel", TestApp.ADMIN_KEY, null).status()).isEqualTo(200);
            assertThat(awaitEnd(app, id).get("status").asText()).isEqualTo("cancelled");
            assertThat(net.pds.requests()).isEmpty();
        }
    }

    @Test
    void aDidOnlyJobRefetchesThatRepoForEveryEligibleCollection() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 6, 40); var app = app(net)) {
            var upload = app.post("/admin/lexicons", TestApp.ADMIN_KEY, lexiconUpload(COLLECTION, true));
            assertThat(upload.status()).isEqualTo(201);
            String auto = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json().get(0).get("id").asText();
            awaitEnd(app, auto);
            String did = net.repos.keySet().iterator().next();
            try (var c = app.app().database().connection(); var st = c.prepareStatement("DELETE FROM records WHERE did = ?")) {
                st.setString(1, did);
                assertThat(st.executeUpdate()).isEqualTo(40);
            }
            long relayCalls = net.relay.requests().size();
            String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"did\":\"" + did + "\"}").json().get("id").asText();
            JsonNode job = awaitEnd(app, id);
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("collections").get(0).asText()).isEqualTo(COLLECTION);
            assertThat(job.get("total_records").asInt()).isEqualTo(40);
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            assertThat(net.relay.requests()).as("a DID job does not ask the relay").hasSize((int) relayCalls);
        }
    }
}
