package dev.happyview.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.happyview.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The admin API as the command line sees it: JSON in, JSON out, and every failure turned into a {@link CliException}
 * whose message an operator can act on (the server's {@code error} and {@code message}, or why it cannot be reached).
 */
public final class AdminClient implements AutoCloseable {
    private final URI base;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public AdminClient(String url, String apiKey) {
        String u = url.strip();
        try {
            this.base = URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        } catch (IllegalArgumentException e) {
            throw new CliException("not a URL: " + url);
        }
        if (base.getScheme() == null || base.getHost() == null || !base.getScheme().matches("https?")) {
            throw new CliException("the server URL must look like http://host:port, got '" + url + "'");
        }
        this.apiKey = apiKey;
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Returns the parsed body (a missing node for an empty one); throws for any non-2xx status. */
    private JsonNode send(String method, String path, Object body) {
        var req = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + apiKey)
                .header("Accept", "application/json");
        try {
            if (body == null) {
                req.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                req.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(body)));
            }
            var resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = parse(resp.body());
            if (resp.statusCode() / 100 != 2) throw serverError(resp.statusCode(), json, resp.body());
            return json;
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new CliException("cannot reach HappyView at " + base + " (" + reason(e) + "). Is it running? "
                    + "Set --url or HAPPYVIEW_URL.");
        } catch (HttpTimeoutException e) {
            throw new CliException("HappyView at " + base + " did not answer " + method + " " + path + " within 60 s");
        } catch (IOException e) {
            throw new CliException("request to " + base + path + " failed: " + reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) return MissingNode.getInstance();
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    private static CliException serverError(int status, JsonNode json, String raw) {
        String error = json.path("error").asText("");
        String message = json.path("message").asText("");
        String hint = switch (status) {
            case 401 -> " (check --api-key or HAPPYVIEW_API_KEY)";
            case 403 -> " (the key lacks this permission)";
            default -> "";
        };
        if (error.isEmpty() && message.isEmpty()) {
            String text = raw == null ? "" : raw.strip();
            return new CliException("HTTP " + status + (text.isEmpty() ? "" : ": " + abbreviate(text)) + hint, status);
        }
        return new CliException("HTTP " + status + " " + error + ": " + message + hint, status);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    private static String reason(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t.getMessage().isBlank())) t = t.getCause();
        return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void close() {
        http.close();
    }
}
