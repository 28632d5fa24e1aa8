package dev.happyview.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.App;
import dev.happyview.Json;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A running service on a fresh database and an ephemeral port, with a small HTTP client that speaks to it over real
 * sockets. Tests use it as a black box.
 */
public final class TestApp implements AutoCloseable {
    public static final String ADMIN_KEY = "hv_0123456789abcdef0123456789abcdef";

    private final App app;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestApp(App app) {
        this.app = app;
    }

    public static TestApp start() {
        return start(baseConfig());
    }

    public static Config baseConfig() {
        return Config.defaults()
                .with(Setting.DATABASE_URL, TestPostgres.newDatabaseUrl())
                .with(Setting.HOST, "127.0.0.1")
                .with(Setting.PORT, "0")
                .with(Setting.ADMIN_API_KEY, ADMIN_KEY)
                .with(Setting.ALLOW_PRIVATE_NETWORK, "true")
                .with(Setting.RELAY_URL, "http://127.0.0.1:9")
                .with(Setting.PLC_URL, "http://127.0.0.1:9")
                .with(Setting.LIVE_SOURCE, "off"); // tests that index live changes name their simnet Jetstream
    }

    public static TestApp start(Config config) {
        try {
            return new TestApp(App.start(config));
        } catch (Exception e) {
            throw new IllegalStateException("could not start the service", e);
        }
    }

    /** uri → cid of everything in the records table. */
    public Map<String, String> indexedRecords() {
        var rows = new HashMap<String, String>();
        try (var c = app.database().connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** The body of {@code POST /admin/lexicons} for a minimal record lexicon. */
    public static String recordLexiconUpload(String nsid, boolean backfill) {
        return """
                {"lexicon_json":{"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                 "record":{"type":"object","properties":{}}}}},"backfill":%s}""".formatted(nsid, backfill);
    }

    public App app() {
        return app;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + app.port();
    }

    public Response get(String path, String key) {
        return send("GET", path, key, null);
    }

    public Response post(String path, String key, String body) {
        return send("POST", path, key, body);
    }

    public Response delete(String path, String key) {
        return send("DELETE", path, key, null);
    }

    public Response send(String method, String path, String key, String body) {
        return sendAuthorized(method, path, key == null ? null : "Bearer " + key, body);
    }

    /** The same with the whole {@code Authorization} header given (another scheme, or none when null). */
    public Response sendAuthorized(String method, String path, String authorization, String body) {
        var req = HttpRequest.newBuilder(URI.create(baseUrl() + path)).timeout(Duration.ofSeconds(30));
        if (authorization != null) req.header("Authorization", authorization);
        if (body != null) req.header("Content-Type", "application/json");
        req.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            var resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(resp.statusCode(), resp.body());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        }
    }

    /** A status and body; {@link #json()} parses the body. */
    public record Response(int status, String body) {
        public JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }
    }

    @Override
    public void close() {
        app.close();
        http.close();
    }
}
