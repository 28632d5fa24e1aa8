package dev.happyview.api;

import static dev.happyview.api.JsonShape.ANY_OBJECT;
import static dev.happyview.api.JsonShape.BOOLEAN;
import static dev.happyview.api.JsonShape.INTEGER;
import static dev.happyview.api.JsonShape.STRING;
import static dev.happyview.api.JsonShape.arrayOf;
import static dev.happyview.api.JsonShape.extend;
import static dev.happyview.api.JsonShape.nullable;
import static dev.happyview.api.JsonShape.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.TapSimulator;
import dev.happyview.testing.TestApp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HappyView's admin API contract: its documented requests, sent unchanged, get its documented status codes and response
 * shapes (field names and JSON types). Requests and shapes are transcribed from HappyView's own reference, not from
 * this service's output — gamesgamesgamesgamesgames/HappyView at 905d4b9: the admin API reference
 * ({@code packages/docs/content/docs/api-reference/admin/}: admin-api, stats, lexicons, backfill, api-keys), the
 * response and body types in {@code src/admin/types.rs}, records and their labels in {@code src/admin/records.rs} and
 * {@code web/src/types/records.ts}, the accepted auth schemes in {@code src/admin/auth.rs}, the permission names in
 * {@code src/admin/permissions.rs}; {@code dids} from the 2.x backfill reference; Tap stats from
 * {@code src/admin/tap_stats.rs} at 9ccbede. Where this service differs on purpose (docs/api.md, "Differences from
 * HappyView"), the assertion says so.
 */
class HappyViewContractTest {
    static final String STATUS = "xyz.statusphere.status";
    static final String DOOMED = "xyz.statusphere.doomed";
    static final String EMPTY = "xyz.statusphere.reaction";

    // ---- HappyView's documented shapes ----
    static final JsonShape ERROR = object("error", STRING);
    static final JsonShape API_KEY_CREATED = object("id", STRING, "name", STRING, "key", STRING, "key_prefix", STRING,
            "permissions", arrayOf(STRING));
    static final JsonShape API_KEY = object("id", STRING, "name", STRING, "key_prefix", STRING, "permissions", arrayOf(STRING),
            "created_at", STRING, "last_used_at", nullable(STRING), "revoked_at", nullable(STRING));
    static final JsonShape LEXICON_RESULT = object("id", STRING, "revision", INTEGER);
    static final JsonShape LEXICON_SUMMARY = object("id", STRING, "revision", INTEGER, "lexicon_type", STRING,
            "backfill", BOOLEAN, "action", nullable(STRING), "target_collection", nullable(STRING), "has_script", BOOLEAN,
            "has_index_hook", BOOLEAN, "source", STRING, "authority_did", nullable(STRING),
            "last_fetched_at", nullable(STRING), "created_at", STRING, "updated_at", STRING,
            "record_schema?", ANY_OBJECT, "token_cost", nullable(INTEGER));
    static final JsonShape LEXICON_DETAIL = extend(LEXICON_SUMMARY, "lexicon_json", ANY_OBJECT, "script", nullable(STRING),
            "index_hook", nullable(STRING));
    static final JsonShape STATS = object("total_records", INTEGER,
            "collections", arrayOf(object("collection", STRING, "count", INTEGER)));
    static final JsonShape JOB_CREATED = object("id", STRING, "status", STRING);
    static final JsonShape JOB = object("id", STRING, "collection", nullable(STRING), "did", nullable(STRING),
            "status", STRING, "stage", STRING, "total_repos", nullable(INTEGER), "processed_repos", nullable(INTEGER),
            "total_records", nullable(INTEGER), "error", nullable(STRING), "started_at", nullable(STRING),
            "completed_at", nullable(STRING), "created_at", STRING);
    static final JsonShape LABEL = object("src", STRING, "val", STRING, "cts", STRING);
    static final JsonShape RECORD = object("uri", STRING, "did", STRING, "collection", STRING, "rkey", STRING, "cid", STRING,
            "indexed_at", nullable(STRING), "record", ANY_OBJECT, "labels", arrayOf(LABEL));
    // HappyView omits a cursor on the last page; this service sends null there (a documented difference).
    static final JsonShape RECORD_PAGE = object("records", arrayOf(RECORD), "cursor?", nullable(STRING));
    static final JsonShape DELETED = object("deleted", INTEGER);
    static final JsonShape TAP_STATS = object("repo_count", INTEGER, "record_count", INTEGER, "outbox_buffer", INTEGER);

    /** Every permission name HappyView defines (src/admin/permissions.rs). */
    static final List<String> HAPPYVIEW_PERMISSIONS = List.of("lexicons:create", "lexicons:read", "lexicons:delete",
            "records:read", "records:delete", "records:delete-collection", "script-variables:create",
            "script-variables:read", "script-variables:delete", "users:create", "users:read", "users:update",
            "users:delete", "api-keys:create", "api-keys:read", "api-keys:delete", "backfill:create", "backfill:read",
            "stats:read", "events:read", "labelers:create", "labelers:read", "labelers:delete", "settings:manage",
            "plugins:read", "plugins:create", "plugins:delete", "api-clients:view", "api-clients:create",
            "api-clients:edit", "api-clients:delete", "dead-letters:read", "dead-letters:manage", "spaces:create",
            "spaces:read", "spaces:update", "spaces:delete", "spaces:manage-members", "spaces:manage-invites",
            "spaces:manage-records", "spaces:manage-credentials");

    /** The upload example of HappyView's lexicon reference, verbatim. */
    static final String DOCS_LEXICON_UPLOAD = """
            {
              "lexicon_json": { "lexicon": 1, "id": "xyz.statusphere.status", "defs": { "main": { "type": "record", "key": "tid", "record": { "type": "object", "required": ["status", "createdAt"], "properties": { "status": { "type": "string", "maxGraphemes": 1 }, "createdAt": { "type": "string", "format": "datetime" } } } } } },
              "backfill": true,
              "target_collection": null
            }""";

    static SimNetwork net;
    static TestApp app;
    static final String BEARER = "Bearer " + TestApp.ADMIN_KEY;

    @BeforeAll
    static void start() throws Exception {
        // Slow enough (20 ms per answer) that a job can be cancelled while it runs.
        net = SimNetwork.start(Scenario.builder().seed(16).repos(12).pdsHosts(2).collections(STATUS, DOOMED)
                .smallMax(30).largeShare(0).latencyMs(20).build());
        app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl()));
        var up = call("POST", "/admin/lexicons", BEARER, DOCS_LEXICON_UPLOAD);
        assertThat(up.status()).as(up.body()).isEqualTo(201);
        assertShape(up, LEXICON_RESULT);
        assertThat(up.json().get("revision").asInt()).isEqualTo(1);
        assertThat(call("POST", "/admin/lexicons", BEARER, recordLexicon(DOOMED, true, "")).status()).isEqualTo(201);
        assertThat(call("POST", "/admin/lexicons", BEARER, recordLexicon(EMPTY, false, "")).status()).isEqualTo(201);
        // HappyView's docs: uploading with backfill on starts a backfill; a client that also asks for one gets both done.
        assertThat(call("POST", "/admin/backfill", BEARER, "{\"collection\": \"xyz.statusphere.status\"}").status()).isEqualTo(201);
        awaitAllJobsEnded();
    }

    @AfterAll
    static void stop() {
        if (app != null) app.close();
        if (net != null) net.close();
    }

    @Test
    void statsListEveryRecordLexiconWithItsCountIncludingEmptyOnes() {
        var stats = call("GET", "/admin/stats", BEARER, null);
        assertThat(stats.status()).isEqualTo(200);
        assertShape(stats, STATS);
        long expected = net.groundTruth(Set.of(STATUS), null).size();
        assertThat(count(stats.json(), STATUS)).isEqualTo(expected);
        assertThat(count(stats.json(), EMPTY)).as("a record lexicon with no records is listed with 0").isEqualTo(0);
        long sum = 0;
        for (JsonNode c : stats.json().get("collections")) sum += c.get("count").asLong();
        assertThat(stats.json().get("total_records").asLong()).isGreaterThanOrEqualTo(sum).isGreaterThanOrEqualTo(expected);
    }

    @Test
    void lexiconsKeepHappyViewsFieldsAndReportThem() {
        String query = """
                {"lexicon_json": {"lexicon": 1, "id": "xyz.statusphere.getStatuses", "defs": {"main": {"type": "query",
                  "output": {"encoding": "application/json"}}}},
                 "target_collection": "xyz.statusphere.status",
                 "script": "function handle() return db.query({collection = collection}) end"}""";
        String procedure = """
                {"lexicon_json": {"lexicon": 1, "id": "xyz.statusphere.setStatus", "defs": {"main": {"type": "procedure",
                  "input": {"encoding": "application/json"}}}},
                 "backfill": false, "target_collection": "xyz.statusphere.status", "action": "create",
                 "script": "function handle() return {} end", "token_cost": null}""";
        assertThat(call("POST", "/admin/lexicons", BEARER, query).status()).isEqualTo(201);
        var created = call("POST", "/admin/lexicons", BEARER, procedure);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        var replaced = call("POST", "/admin/lexicons", BEARER, procedure.replace("\"create\"", "\"update\""));
        assertThat(replaced.status()).as("an upsert of an existing lexicon").isEqualTo(200);
        assertShape(replaced, LEXICON_RESULT);
        assertThat(replaced.json().get("revision").asInt()).isEqualTo(2);
        var hooked = call("POST", "/admin/lexicons", BEARER,
                recordLexicon("xyz.statusphere.hooked", false, ", \"index_hook\": \"return record\", \"token_cost\": 3"));
        assertThat(hooked.status()).as(hooked.body()).isEqualTo(201);

        var list = call("GET", "/admin/lexicons", BEARER, null);
        assertThat(list.status()).isEqualTo(200);
        assertShape(list, arrayOf(LEXICON_SUMMARY));
        for (JsonNode l : list.json()) {
            assertThat(l.get("lexicon_type").asText()).isIn("record", "query", "procedure", "definitions");
            assertThat(l.has("lexicon_json") && !l.get("lexicon_json").isNull()).as("the list omits documents").isFalse();
        }
        JsonNode status = find(list.json(), STATUS);
        assertThat(status.get("lexicon_type").asText()).isEqualTo("record");
        assertThat(status.get("backfill").asBoolean()).isTrue();
        assertThat(status.get("source").asText()).isEqualTo("manual");
        assertThat(status.get("record_schema").get("required").toString()).isEqualTo("[\"status\",\"createdAt\"]");
        JsonNode set = find(list.json(), "xyz.statusphere.setStatus");
        assertThat(set.get("lexicon_type").asText()).isEqualTo("procedure");
        assertThat(set.get("action").asText()).isEqualTo("update");
        assertThat(set.get("has_script").asBoolean()).isTrue();
        assertThat(set.get("target_collection").asText()).isEqualTo(STATUS);
        assertThat(find(list.json(), "xyz.statusphere.getStatuses").get("lexicon_type").asText()).isEqualTo("query");
        JsonNode hookedSummary = find(list.json(), "xyz.statusphere.hooked");
        assertThat(hookedSummary.get("has_index_hook").asBoolean()).isTrue();
        assertThat(hookedSummary.get("token_cost").asInt()).isEqualTo(3);

        var one = call("GET", "/admin/lexicons/xyz.statusphere.setStatus", BEARER, null);
        assertThat(one.status()).isEqualTo(200);
        assertShape(one, LEXICON_DETAIL);
        assertThat(one.json().get("script").asText()).isEqualTo("function handle() return {} end");
        assertThat(one.json().get("lexicon_json").get("id").asText()).isEqualTo("xyz.statusphere.setStatus");
        assertThat(call("GET", "/admin/lexicons/xyz.statusphere.hooked", BEARER, null).json().get("index_hook").asText())
                .isEqualTo("return record");

        var badAction = call("POST", "/admin/lexicons", BEARER, procedure.replace("\"create\"", "\"explode\""));
        assertThat(badAction.status()).isEqualTo(400);
        assertShape(badAction, ERROR);

        assertThat(call("DELETE", "/admin/lexicons/xyz.statusphere.getStatuses", BEARER, null).status()).isEqualTo(204);
        var gone = call("GET", "/admin/lexicons/xyz.statusphere.getStatuses", BEARER, null);
        assertThat(gone.status()).isEqualTo(404);
        assertShape(gone, ERROR);
        assertThat(call("DELETE", "/admin/lexicons/xyz.statusphere.getStatuses", BEARER, null).status()).isEqualTo(404);
    }

    @Test
    void backfillJobsAreCreatedListedAndCancelledAsDocumented() {
        var all = call("POST", "/admin/backfill", BEARER, "{}");
        assertThat(all.status()).isEqualTo(201);
        assertShape(all, JOB_CREATED);
        // HappyView answers "running"; this service answers "pending" until a worker takes the job (a documented difference).
        assertThat(all.json().get("status").asText()).isIn("running", "pending");
        var running = call("POST", "/admin/backfill", BEARER, "{\"collection\": \"xyz.statusphere.status\"}");
        String runningId = running.json().get("id").asText();
        var cancel = call("POST", "/admin/backfill/" + runningId + "/cancel", BEARER, null);
        assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
        assertShape(cancel, JOB_CREATED);
        assertThat(cancel.json().get("status").asText()).isIn("cancelling", "cancelled");
        var again = call("POST", "/admin/backfill/" + runningId + "/cancel", BEARER, null);
        assertThat(again.status()).as("cancel is idempotent").isEqualTo(200);
        assertThat(again.json().get("status").asText()).isIn("cancelling", "cancelled");

        List<String> dids = net.dids().subList(0, 2);
        var single = call("POST", "/admin/backfill", BEARER, "{\"did\": \"" + dids.get(0) + "\"}");
        assertThat(single.status()).isEqualTo(201);
        var several = call("POST", "/admin/backfill", BEARER,
                "{\"collection\": \"xyz.statusphere.status\", \"dids\": [\"" + dids.get(0) + "\", \"" + dids.get(1) + "\"]}");
        assertThat(several.status()).as(several.body()).isEqualTo(201);
        assertShape(several, JOB_CREATED);
        awaitAllJobsEnded();

        var list = call("GET", "/admin/backfill/status", BEARER, null);
        assertThat(list.status()).isEqualTo(200);
        assertShape(list, arrayOf(JOB));
        JsonNode severalJob = job(list.json(), several.json().get("id").asText());
        assertThat(severalJob.get("status").asText()).isEqualTo("completed");
        assertThat(severalJob.get("total_repos").asInt()).as("one unit per named account").isEqualTo(2);
        assertThat(job(list.json(), single.json().get("id").asText()).get("did").asText()).isEqualTo(dids.get(0));
        assertThat(job(list.json(), runningId).get("status").asText()).isEqualTo("cancelled");

        var ended = call("POST", "/admin/backfill/" + several.json().get("id").asText() + "/cancel", BEARER, null);
        assertThat(ended.status()).as("a job that is not running").isEqualTo(400);
        assertShape(ended, ERROR);
        var unknown = call("POST", "/admin/backfill/550e8400-e29b-41d4-a716-446655440000/cancel", BEARER, null);
        assertThat(unknown.status()).isEqualTo(404);
        assertShape(unknown, ERROR);
    }

    @Test
    void recordsPageWithHappyViewsDefaultsAndDeleteOneOrACollection() {
        long expected = net.groundTruth(Set.of(STATUS), null).size();
        assertThat(expected).as("enough records for more than one default page").isGreaterThan(20);
        var first = call("GET", "/admin/records?collection=" + STATUS, BEARER, null);
        assertThat(first.status()).isEqualTo(200);
        assertShape(first, RECORD_PAGE);
        assertThat(first.json().get("records")).as("HappyView's default page size").hasSize(20);
        assertThat(first.json().get("cursor").isTextual()).isTrue();

        var seen = new ArrayList<String>();
        first.json().get("records").forEach(r -> seen.add(r.get("uri").asText()));
        String cursor = first.json().get("cursor").asText();
        while (cursor != null) {
            var page = call("GET", "/admin/records?collection=" + STATUS + "&limit=100&cursor=" + encode(cursor), BEARER, null);
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            assertShape(page, RECORD_PAGE);
            assertThat(page.json().get("records").size()).isLessThanOrEqualTo(100);
            page.json().get("records").forEach(r -> seen.add(r.get("uri").asText()));
            JsonNode next = page.json().get("cursor");
            cursor = next == null || next.isNull() ? null : next.asText();
        }
        assertThat(new HashSet<>(seen)).hasSize(seen.size()).hasSize((int) expected);
        assertThat(call("GET", "/admin/records?collection=" + STATUS + "&limit=500", BEARER, null).status())
                .as("a limit above the cap is clamped, not refused").isEqualTo(200);

        var doomed = call("GET", "/admin/records?collection=" + DOOMED + "&limit=100", BEARER, null).json().get("records");
        assertThat(doomed.size()).isGreaterThan(1);
        String uri = doomed.get(0).get("uri").asText();
        assertThat(call("DELETE", "/admin/records?uri=" + encode(uri), BEARER, null).status()).isEqualTo(204);
        var missing = call("DELETE", "/admin/records?uri=" + encode(uri), BEARER, null);
        assertThat(missing.status()).isEqualTo(404);
        assertShape(missing, ERROR);

        String deleteOnly = createKey("records:delete");
        var refused = call("DELETE", "/admin/records/collection?collection=" + DOOMED, "Bearer " + deleteOnly, null);
        assertThat(refused.status()).as("needs records:delete-collection too").isEqualTo(403);
        assertShape(refused, ERROR);
        long left = net.groundTruth(Set.of(DOOMED), null).size() - 1;
        var wiped = call("DELETE", "/admin/records/collection?collection=" + DOOMED, BEARER, null);
        assertThat(wiped.status()).as(wiped.body()).isEqualTo(200);
        assertShape(wiped, DELETED);
        assertThat(wiped.json().get("deleted").asLong()).isEqualTo(left);
        assertThat(call("GET", "/admin/records?collection=" + DOOMED, BEARER, null).json().get("records")).isEmpty();
    }

    @Test
    void apiKeysAcceptHappyViewsRequestsPermissionNamesAndAuthSchemes() {
        var created = call("POST", "/admin/api-keys", BEARER, """
                {"name": "CI Deploy", "permissions": ["lexicons:read", "lexicons:create", "backfill:create"]}""");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertShape(created, API_KEY_CREATED);
        String key = created.json().get("key").asText();
        assertThat(key).matches("hv_[0-9a-f]{32}");
        assertThat(created.json().get("key_prefix").asText()).isEqualTo(key.substring(0, 11));
        assertThat(created.json().get("permissions").toString())
                .isEqualTo("[\"lexicons:read\",\"lexicons:create\",\"backfill:create\"]");

        var everything = new StringBuilder("{\"name\": \"every HappyView permission\", \"permissions\": [");
        for (int i = 0; i < HAPPYVIEW_PERMISSIONS.size(); i++) {
            everything.append(i == 0 ? "" : ", ").append('"').append(HAPPYVIEW_PERMISSIONS.get(i)).append('"');
        }
        var all = call("POST", "/admin/api-keys", BEARER, everything.append("]}").toString());
        assertThat(all.status()).as(all.body()).isEqualTo(201);
        assertShape(all, API_KEY_CREATED);

        var list = call("GET", "/admin/api-keys", BEARER, null);
        assertThat(list.status()).isEqualTo(200);
        assertShape(list, arrayOf(API_KEY));
        assertThat(list.json().findValuesAsText("id")).contains(created.json().get("id").asText());

        assertThat(call("GET", "/admin/lexicons", "DPoP " + key, null).status()).as("DPoP hv_… works like Bearer").isEqualTo(200);
        assertThat(call("GET", "/admin/lexicons", "Bearer " + key, null).status()).isEqualTo(200);
        var forbidden = call("GET", "/admin/stats", "Bearer " + key, null);
        assertThat(forbidden.status()).isEqualTo(403);
        assertShape(forbidden, ERROR);
        assertThat(call("DELETE", "/admin/api-keys/" + created.json().get("id").asText(), BEARER, null).status()).isEqualTo(204);
        var revoked = call("GET", "/admin/lexicons", "Bearer " + key, null);
        assertThat(revoked.status()).isEqualTo(401);
        assertShape(revoked, ERROR);
        var anonymous = call("GET", "/admin/stats", null, null);
        assertThat(anonymous.status()).isEqualTo(401);
        assertShape(anonymous, ERROR);
    }

    @Test
    void tapStatsInTapMode() throws Exception {
        try (var tapNet = SimNetwork.start(Scenario.builder().seed(5).repos(6).pdsHosts(1).collections(STATUS).build());
                var tap = TapSimulator.start(tapNet, Set.of(STATUS), "secret", Duration.ofSeconds(1));
                var tapApp = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, tapNet.relayUrl())
                        .with(Setting.PLC_URL, tapNet.plcUrl()).with(Setting.BACKFILL_MODE, "tap")
                        .with(Setting.TAP_URL, tap.url()).with(Setting.TAP_ADMIN_PASSWORD, "secret"))) {
            var stats = tapApp.get("/admin/tap/stats", TestApp.ADMIN_KEY);
            assertThat(stats.status()).as(stats.body()).isEqualTo(200);
            assertThat(TAP_STATS.mismatches(stats.json())).as(stats.body()).isEmpty();
        }
    }

    // ---- helpers ----

    static TestApp.Response call(String method, String path, String authorization, String body) {
        return app.sendAuthorized(method, path, authorization, body);
    }

    static void assertShape(TestApp.Response reply, JsonShape shape) {
        assertThat(shape.mismatches(reply.json())).as("shape of " + reply.body()).isEmpty();
    }

    static String recordLexicon(String nsid, boolean backfill, String extraFields) {
        return """
                {"lexicon_json": {"lexicon": 1, "id": "%s", "defs": {"main": {"type": "record", "key": "tid",
                  "record": {"type": "object", "properties": {}}}}}, "backfill": %s%s}""".formatted(nsid, backfill, extraFields);
    }

    static String createKey(String... permissions) {
        var body = Json.MAPPER.createObjectNode().put("name", "contract");
        var perms = body.putArray("permissions");
        for (String p : permissions) perms.add(p);
        var created = call("POST", "/admin/api-keys", BEARER, body.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("key").asText();
    }

    static void awaitAllJobsEnded() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (JsonNode j : call("GET", "/admin/backfill/status", BEARER, null).json()) {
                if (!Set.of("completed", "failed", "cancelled").contains(j.get("status").asText())) return false;
            }
            return true;
        });
    }

    static long count(JsonNode stats, String collection) {
        for (JsonNode c : stats.path("collections")) {
            if (c.path("collection").asText().equals(collection)) return c.get("count").asLong();
        }
        throw new AssertionError(collection + " is not listed in " + stats);
    }

    static JsonNode find(JsonNode lexicons, String id) {
        for (JsonNode l : lexicons) if (l.get("id").asText().equals(id)) return l;
        throw new AssertionError("no lexicon " + id + " in " + lexicons);
    }

    static JsonNode job(JsonNode jobs, String id) {
        for (JsonNode j : jobs) if (j.get("id").asText().equals(id)) return j;
        throw new AssertionError("no job " + id + " in " + jobs);
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
