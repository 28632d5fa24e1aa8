package dev.happyview.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RecordsApiTest {
    @StartedApp
    static TestApp app;
    static final TreeSet<String> POSTS = new TreeSet<>();
    static final TreeSet<String> OF_DID = new TreeSet<>();

    @BeforeAll
    static void indexRecords() throws Exception {
        var writer = new RecordWriter(app.app().database());
        var rows = new ArrayList<RecordRow>();
        for (int i = 0; i < 2500; i++) {
            String did = "did:plc:user" + (i % 25);
            String coll = i % 5 == 0 ? "app.test.like" : "app.test.post";
            String uri = "at://" + did + "/" + coll + "/r" + i;
            rows.add(new RecordRow(uri, did, coll, "r" + i, "bafy" + i, "{\"n\":" + i + "}", "3kaaaaaaaaaaa"));
            if (coll.equals("app.test.post")) POSTS.add(uri);
            if (did.equals("did:plc:user3")) OF_DID.add(uri);
        }
        writer.upsert(rows);
    }

    static List<String> pageAll(String query, int limit, Runnable betweenPages) {
        var seen = new ArrayList<String>();
        String cursor = null;
        do {
            JsonNode page = app.get("/admin/records?" + query + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor),
                    TestApp.ADMIN_KEY).json();
            page.get("records").forEach(r -> seen.add(r.get("uri").asText()));
            cursor = page.get("cursor").isNull() ? null : page.get("cursor").asText();
            betweenPages.run();
        } while (cursor != null);
        return seen;
    }

    @Test
    void pagingByCollectionAndByDidHasNoGapsOrDuplicates() {
        List<String> posts = pageAll("collection=app.test.post", 100, () -> {});
        assertThat(new LinkedHashSet<>(posts)).hasSize(posts.size());
        assertThat(posts).containsExactlyElementsOf(POSTS);
        List<String> ofDid = pageAll("did=did:plc:user3", 7, () -> {});
        assertThat(ofDid).containsExactlyElementsOf(OF_DID);
    }

    @Test
    void pagesStayStableWhileNewRecordsArrive() throws Exception {
        var writer = new RecordWriter(app.app().database());
        int[] n = {0};
        List<String> seen = pageAll("did=did:plc:user7", 10, () -> {
            try {
                // A record sorting before everything already paged past must not shift later pages.
                writer.upsert(List.of(new RecordRow("at://did:plc:user7/app.test.aaa/x" + n[0], "did:plc:user7",
                        "app.test.aaa", "x" + n[0], "bafyx", "{}", "3kaaaaaaaaaaa")));
                n[0]++;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(new LinkedHashSet<>(seen)).hasSize(seen.size());
        assertThat(seen).containsAll(pageAllOriginal("did:plc:user7"));
    }

    static List<String> pageAllOriginal(String did) {
        var out = new ArrayList<String>();
        for (int i = 0; i < 2500; i++) {
            if (("did:plc:user" + (i % 25)).equals(did)) {
                out.add("at://" + did + "/" + (i % 5 == 0 ? "app.test.like" : "app.test.post") + "/r" + i);
            }
        }
        return out;
    }

    @Test
    void oneRecordCanBeReadAndDeleted() {
        String uri = "at://did:plc:user1/app.test.post/r1";
        var one = app.get("/admin/records/one?uri=" + uri, TestApp.ADMIN_KEY);
        assertThat(one.status()).isEqualTo(200);
        assertThat(one.json().get("record").get("n").asInt()).isEqualTo(1);
        assertThat(app.delete("/admin/records?uri=" + uri, TestApp.ADMIN_KEY).status()).isEqualTo(204);
        assertThat(app.delete("/admin/records?uri=" + uri, TestApp.ADMIN_KEY).status()).isEqualTo(404);
        assertThat(app.get("/admin/records/one?uri=" + uri, TestApp.ADMIN_KEY).status()).isEqualTo(404);
    }

    @Test
    void badFiltersAreRejectedNamingTheParameter() {
        assertThat(app.get("/admin/records?collection=nope", TestApp.ADMIN_KEY).json().get("message").asText()).contains("collection");
        assertThat(app.get("/admin/records?did=x", TestApp.ADMIN_KEY).json().get("message").asText()).contains("did");
        assertThat(app.get("/admin/records?limit=0", TestApp.ADMIN_KEY).status()).isEqualTo(400);
        assertThat(app.get("/admin/records?cursor=%25%25%25", TestApp.ADMIN_KEY).status()).isEqualTo(400);
        assertThat(app.delete("/admin/records?uri=not-a-uri", TestApp.ADMIN_KEY).status()).isEqualTo(400);
    }

    @Test
    void statsCountRecordsPerCollectionWithAndWithoutALexicon() {
        assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload("app.test.like", false)).status())
                .isEqualTo(201);
        assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload("app.test.none", false)).status())
                .isEqualTo(201);
        JsonNode stats = app.get("/admin/stats", TestApp.ADMIN_KEY).json();
        var counts = new HashMap<String, JsonNode>();
        stats.get("collections").forEach(c -> counts.put(c.get("collection").asText(), c));
        assertThat(counts.get("app.test.like").get("count").asLong()).isEqualTo(500);
        assertThat(counts.get("app.test.like").get("has_lexicon").asBoolean()).isTrue();
        assertThat(counts.get("app.test.none").get("count").asLong()).isZero();
        assertThat(counts.get("app.test.post").get("has_lexicon").asBoolean()).as("records kept without a lexicon").isFalse();
        long sum = 0;
        for (JsonNode c : stats.get("collections")) sum += c.get("count").asLong();
        assertThat(stats.get("total_records").asLong()).isEqualTo(sum).isGreaterThanOrEqualTo(2499);
        assertThat(stats.get("backfill_jobs").isObject()).isTrue();
        assertThat(app.delete("/admin/lexicons/app.test.like", TestApp.ADMIN_KEY).status()).isEqualTo(204);
        assertThat(app.delete("/admin/lexicons/app.test.none", TestApp.ADMIN_KEY).status()).isEqualTo(204);
    }

    @Test
    void limitsFollowHappyViewDefaultsAndAreClampedNotRefused() {
        assertThat(app.get("/admin/records?collection=app.test.post", TestApp.ADMIN_KEY).json().get("records")).hasSize(20);
        assertThat(app.get("/admin/records?limit=5000", TestApp.ADMIN_KEY).json().get("records")).hasSize(1000);
        assertThat(app.get("/admin/records?limit=99999999999999999999", TestApp.ADMIN_KEY).json().get("records")).hasSize(1000);
        for (String bad : List.of("0", "-3", "ten", "1.5")) {
            var r = app.get("/admin/records?limit=" + bad, TestApp.ADMIN_KEY);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("message").asText()).contains("limit");
        }
    }

    @Test
    void selfLabelsAreListedInHappyViewsShape() throws Exception {
        new RecordWriter(app.app().database()).upsert(List.of(new RecordRow("at://did:plc:labelled/app.test.label/l1",
                "did:plc:labelled", "app.test.label", "l1", "bafyl1", """
                {"text":"x","labels":{"$type":"com.atproto.label.defs#selfLabels","values":[{"val":"nudity"},{"val":"gore"}]}}""",
                "3kaaaaaaaaaaa")));
        JsonNode rec = app.get("/admin/records?collection=app.test.label", TestApp.ADMIN_KEY).json().get("records").get(0);
        assertThat(rec.get("labels").toString())
                .isEqualTo("[{\"src\":\"did:plc:labelled\",\"val\":\"nudity\",\"cts\":\"\"},{\"src\":\"did:plc:labelled\",\"val\":\"gore\",\"cts\":\"\"}]");
        JsonNode plain = app.get("/admin/records/one?uri=at://did:plc:user2/app.test.post/r2", TestApp.ADMIN_KEY).json();
        assertThat(plain.get("labels").isArray()).isTrue();
        assertThat(plain.get("labels")).isEmpty();
    }

    @Test
    void aWholeCollectionIsDeletedAndCounted() throws Exception {
        var rows = new ArrayList<RecordRow>();
        for (int i = 0; i < 30; i++) {
            rows.add(new RecordRow("at://did:plc:wipe/app.test.wipe/w" + i, "did:plc:wipe", "app.test.wipe", "w" + i, "bafyw", "{}", "3kaaaaaaaaaaa"));
        }
        new RecordWriter(app.app().database()).upsert(rows);
        var wiped = app.delete("/admin/records/collection?collection=app.test.wipe", TestApp.ADMIN_KEY);
        assertThat(wiped.status()).isEqualTo(200);
        assertThat(wiped.body()).isEqualTo("{\"deleted\":30}");
        assertThat(app.delete("/admin/records/collection?collection=app.test.wipe", TestApp.ADMIN_KEY).json().get("deleted").asLong())
                .isZero();
        assertThat(app.get("/admin/records?collection=app.test.post&limit=1", TestApp.ADMIN_KEY).json().get("records")).hasSize(1);
        for (String bad : List.of("", "nope", "a..b")) {
            var r = app.delete("/admin/records/collection?collection=" + bad, TestApp.ADMIN_KEY);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(r.json().get("message").asText()).contains("collection");
        }
    }
}
