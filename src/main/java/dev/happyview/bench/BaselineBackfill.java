package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed-000 algorithm, for the benchmark's baseline only: discover repos on the relay, then for each repo (8 at a
 * time) resolve its PDS through PLC and page {@code listRecords} into memory, upserting record by record. Like the
 * original it waits on 429 per {@code RateLimit-Reset}/{@code Retry-After} and otherwise does not retry.
 */
public final class BaselineBackfill {
    private final HttpClient http = HttpClient.newHttpClient();
    private final String relayUrl;
    private final String plcUrl;
    private final String jdbcUrl;
    final AtomicLong requests = new AtomicLong();

    public BaselineBackfill(String relayUrl, String plcUrl, String jdbcUrl) {
        this.relayUrl = relayUrl;
        this.plcUrl = plcUrl;
        this.jdbcUrl = jdbcUrl;
    }

    /** Returns the number of records written. */
    public long run(List<String> collections) throws Exception {
        var records = new AtomicLong();
        for (String collection : collections) {
            List<String> dids = discover(collection);
            var permits = new Semaphore(8);
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String did : dids) {
                    permits.acquire();
                    pool.submit(() -> {
                        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
                            records.addAndGet(fetchRepo(c, did, collection));
                        } catch (Exception e) {
                            // seed-000 logged and moved on
                        } finally {
                            permits.release();
                        }
                        return null;
                    });
                }
            }
        }
        return records.get();
    }

    private List<String> discover(String collection) throws Exception {
        var dids = new ArrayList<String>();
        String cursor = null;
        do {
            JsonNode page = get(relayUrl + "/xrpc/com.atproto.sync.listReposByCollection?collection=" + enc(collection)
                    + "&limit=1000" + (cursor == null ? "" : "&cursor=" + enc(cursor)));
            page.path("repos").forEach(r -> dids.add(r.path("did").asText()));
            cursor = page.hasNonNull("cursor") && !page.path("repos").isEmpty() ? page.get("cursor").asText() : null;
        } while (cursor != null);
        return dids;
    }

    private long fetchRepo(Connection c, String did, String collection) throws Exception {
        String pds = null;
        for (JsonNode s : get(plcUrl + "/" + enc(did)).path("service")) {
            if (s.path("id").asText().endsWith("#atproto_pds")) pds = s.path("serviceEndpoint").asText();
        }
        if (pds == null) return 0;
        long n = 0;
        String cursor = null;
        try (var st = c.prepareStatement("""
                INSERT INTO records (uri, did, collection, rkey, cid, record) VALUES (?, ?, ?, ?, ?, ?::jsonb)
                ON CONFLICT (collection, uri) DO UPDATE SET record = EXCLUDED.record, cid = EXCLUDED.cid, indexed_at = now()""")) {
            while (true) {
                JsonNode page = get(pds + "/xrpc/com.atproto.repo.listRecords?repo=" + enc(did) + "&collection="
                        + enc(collection) + "&limit=100" + (cursor == null ? "" : "&cursor=" + enc(cursor)));
                JsonNode recs = page.path("records");
                for (JsonNode r : recs) {
                    String uri = r.path("uri").asText();
                    st.setString(1, uri);
                    st.setString(2, did);
                    st.setString(3, collection);
                    st.setString(4, uri.substring(uri.lastIndexOf('/') + 1));
                    st.setString(5, r.path("cid").asText());
                    st.setString(6, Json.MAPPER.writeValueAsString(r.path("value")));
                    st.executeUpdate();
                    n++;
                }
                if (recs.isEmpty() || !page.hasNonNull("cursor")) return n;
                cursor = page.get("cursor").asText();
            }
        }
    }

    private JsonNode get(String url) throws Exception {
        while (true) {
            requests.incrementAndGet();
            var resp = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 429) {
                Thread.sleep(retryAfterMillis(resp));
                continue;
            }
            if (resp.statusCode() != 200) throw new IllegalStateException(resp.statusCode() + " from " + url);
            return Json.MAPPER.readTree(resp.body());
        }
    }

    private static long retryAfterMillis(HttpResponse<?> resp) {
        var reset = resp.headers().firstValue("RateLimit-Reset");
        if (reset.isPresent()) {
            long wait = Long.parseLong(reset.get().trim()) - System.currentTimeMillis() / 1000;
            return Math.min(120, Math.max(1, wait)) * 1000;
        }
        return Math.min(120, resp.headers().firstValue("Retry-After").map(Long::parseLong).orElse(5L)) * 1000;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
