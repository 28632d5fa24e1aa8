package dev.happyview.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.Json;
import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * A generated corpus of malformed, mutated and oversized requests against every admin route, sent with a valid
 * key (so they reach the handlers): none may produce a 5xx, a refusal that is not a JSON error, a reset connection
 * or a hang; oversized bodies must be refused with 413. Only a URL the HTTP client itself will not send is skipped.
 */
class HostileInputTest {
    static final String[] ROUTES = {
        "POST /admin/api-keys", "DELETE /admin/api-keys/{x}", "POST /admin/lexicons", "GET /admin/lexicons/{x}",
        "DELETE /admin/lexicons/{x}", "POST /admin/backfill", "GET /admin/backfill/status?limit={x}&cursor={x}",
        "GET /admin/backfill/{x}", "GET /admin/backfill/{x}/repos?status={x}&limit={x}&cursor={x}",
        "POST /admin/backfill/{x}/cancel", "GET /admin/records?collection={x}&did={x}&limit={x}&cursor={x}",
        "GET /admin/records/one?uri={x}", "DELETE /admin/records?uri={x}", "GET /admin/stats",
        "DELETE /admin/records/collection?collection={x}"};
    static final String[] SEEDS = {
        "{}", "{\"collection\":\"com.example.feed.post\"}", "{\"did\":\"did:plc:abc\",\"prune\":true}",
        "{\"name\":\"k\",\"permissions\":[\"stats:read\"]}",
        "{\"lexicon_json\":{\"lexicon\":1,\"id\":\"a.b.c\",\"defs\":{\"main\":{\"type\":\"record\",\"key\":\"tid\",\"record\":{\"type\":\"object\"}}}}}",
        "[]", "null", "\"x\"", "{\"lexicon_json\":[]}", "{\"strategy\":{}}",
        "{\"dids\":[\"did:plc:abc\",\"did:web:example.com\"]}", "{\"action\":\"create\",\"token_cost\":1,\"script\":\"x\"}"};
    static final String[] FRAGMENTS = {
        "", " ", "%00", "..%2F..%2Fetc%2Fpasswd", "did:plc:", "at://", "a.b", "-1", "0", "99999999999999999999",
        "%FF%FE", "null", "true", "{", "\\u0000", "💥", "did:web:127.0.0.1", "com.example.feed.post",
        "00000000-0000-0000-0000-000000000000", "' OR 1=1 --", "x".repeat(300)};
    @StartedApp
    static TestApp app;

    @Test
    void tenThousandHostileRequestsProduceNoServerError() {
        var random = new Random(20261123);
        var statuses = new TreeMap<Integer, Integer>();
        var failures = new ArrayList<String>();
        int refusedByClient = 0;
        for (int i = 0; i < 10_000; i++) {
            String route = ROUTES[random.nextInt(ROUTES.length)];
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1);
            while (path.contains("{x}")) {
                path = path.replaceFirst("\\{x\\}", Matcher.quoteReplacement(
                        FRAGMENTS[random.nextInt(FRAGMENTS.length)].replace(" ", "%20").replace("{", "%7B")
                                .replace("'", "%27").replace("\\", "%5C").replace("💥", "%F0%9F%92%A5")));
            }
            String body = method.equals("POST") ? mutate(SEEDS[random.nextInt(SEEDS.length)], random) : null;
            if (!clientAccepts(path)) {
                refusedByClient++; // never left this process: nothing to learn about the server
                continue;
            }
            // A reset connection or a timeout (a hang) throws here and fails the test: that is what it looks for.
            TestApp.Response r = app.send(method, path, TestApp.ADMIN_KEY, body);
            statuses.merge(r.status(), 1, Integer::sum);
            if (r.status() >= 500 || (r.status() >= 400 && !isJsonError(r.body()))) {
                failures.add(method + " " + path + " " + body + " → " + r.status() + " " + r.body());
            }
        }
        System.out.printf("hostile requests by status: %s; refused by the client: %d%n", statuses, refusedByClient);
        assertThat(failures).as("5xx answers, or refusals that are not the API's JSON errors").isEmpty();
        assertThat(statuses.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(10_000 - refusedByClient);
        assertThat(refusedByClient).as("requests the client would not send").isLessThan(100);
    }

    static boolean isJsonError(String body) {
        try {
            return Json.MAPPER.readTree(body).path("error").isTextual();
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the HTTP client can build a request for this path at all (it refuses some URLs before any I/O). */
    static boolean clientAccepts(String path) {
        try {
            HttpRequest.newBuilder(URI.create(app.baseUrl() + path));
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void oversizedBodiesAreRefusedWith413OnEveryPostRoute() {
        String big = "{\"x\":\"" + "a".repeat(1_100_000) + "\"}";
        for (String path : List.of("/admin/api-keys", "/admin/lexicons", "/admin/backfill")) {
            assertThat(app.post(path, TestApp.ADMIN_KEY, big).status()).as(path).isEqualTo(413);
        }
    }

    /** Flips, drops, duplicates or inserts characters, or truncates: JSON that is almost right. */
    static String mutate(String seed, Random random) {
        var sb = new StringBuilder(seed);
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && !sb.isEmpty(); e++) {
            int at = random.nextInt(sb.length());
            switch (random.nextInt(5)) {
                case 0 -> sb.deleteCharAt(at);
                case 1 -> sb.insert(at, "{}[]\",:0-eE\\\u0000"
                        .charAt(random.nextInt(13)));
                case 2 -> sb.setCharAt(at, (char) (32 + random.nextInt(95)));
                case 3 -> sb.setLength(at);
                default -> sb.insert(at, sb.substring(0, Math.min(sb.length(), 1 + random.nextInt(40))));
            }
        }
        return random.nextInt(10) == 0 ? seed : sb.toString();
    }
}
