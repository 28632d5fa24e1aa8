package dev.happyview.tap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tap's admin REST API: hand repos over, take them back, read its stats. HTTP Basic {@code admin:<password>}. */
public final class TapClient {
    static final int BATCH = 1000;

    private final String baseUrl;
    private final String authorization;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TapClient(String tapUrl, String password) {
        this.baseUrl = tapUrl.endsWith("/") ? tapUrl.substring(0, tapUrl.length() - 1) : tapUrl;
        this.authorization = password == null || password.isEmpty() ? null
                : "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
    }

    String baseUrl() {
        return baseUrl;
    }

    /** The value of the {@code Authorization} header, or null without a password. */
    String authorization() {
        return authorization;
    }

    public void addRepos(List<String> dids) throws TapException, InterruptedException {
        post("/repos/add", dids);
    }

    public void removeRepos(List<String> dids) throws TapException, InterruptedException {
        post("/repos/remove", dids);
    }

    /** Tap's counters, from its {@code /stats/*} endpoints. */
    public Map<String, Long> stats() throws TapException, InterruptedException {
        var out = new LinkedHashMap<String, Long>();
        for (String name : List.of("repo-count", "record-count", "outbox-buffer", "resync-buffer")) {
            JsonNode body = send(request("/stats/" + name).GET().build());
            String field = name.replace('-', '_');
            out.put(field, body.path(field).asLong());
        }
        return out;
    }

    private void post(String path, List<String> dids) throws TapException, InterruptedException {
        for (int from = 0; from < dids.size(); from += BATCH) {
            var body = Json.MAPPER.createObjectNode();
            var arr = body.putArray("dids");
            dids.subList(from, Math.min(dids.size(), from + BATCH)).forEach(arr::add);
            send(request(path).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
        }
    }

    private HttpRequest.Builder request(String path) {
        var b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) b.header("Authorization", authorization);
        return b;
    }

    private JsonNode send(HttpRequest req) throws TapException, InterruptedException {
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TapException(0, "Tap unreachable at " + baseUrl + ": " + e, e);
        }
        if (resp.statusCode() == 401) throw new TapException(401, "Tap rejected the admin password (TAP_ADMIN_PASSWORD)", null);
        if (resp.statusCode() / 100 != 2) {
            throw new TapException(resp.statusCode(), "Tap answered " + resp.statusCode() + ": " + abbreviate(resp.body()), null);
        }
        try {
            return resp.body().isBlank() ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(resp.body());
        } catch (IOException e) {
            throw new TapException(resp.statusCode(), "Tap answered something that is not JSON", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
