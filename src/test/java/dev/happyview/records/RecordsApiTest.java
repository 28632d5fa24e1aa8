package dev.happyview.records;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.util.ArrayList;
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
            rows.add(new RecordRow(uri, did, coll, "r" + i, "bafy" + i, "{\"n\":" + i + "}"));
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
                        "app.test.aaa", "x" + n[0], "bafyx", "{}")));
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
    void statsCountRecordsPerCollection() {
        JsonNode stats = app.get("/admin/stats", TestApp.ADMIN_KEY).json();
        assertThat(stats.get("records").get("by_collection").get("app.test.like").asLong()).isEqualTo(500);
        assertThat(stats.get("records").get("total").asLong()).isGreaterThanOrEqualTo(2499);
        assertThat(stats.get("backfill_jobs").isObject()).isTrue();
    }
}
