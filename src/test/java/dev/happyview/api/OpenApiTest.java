package dev.happyview.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.happyview.config.Setting;
import dev.happyview.testing.TestApp;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** openapi.yaml describes exactly the routes the service registers, with the security they really have. */
class OpenApiTest {
    static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");
    static JsonNode doc;
    static String raw;
    static TestApp app;
    static TestApp firehoseApp;

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = OpenApiTest.class.getResourceAsStream("/openapi.yaml")) {
            raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        doc = new ObjectMapper(new YAMLFactory()).readTree(raw);
        // Tap mode: the only mode that registers every route (it adds /admin/tap/stats); Tap itself need not answer.
        app = TestApp.start(TestApp.baseConfig().with(Setting.BACKFILL_MODE, "tap").with(Setting.TAP_URL, "http://127.0.0.1:9"));
        // The verified firehose registers /admin/live/resyncs; its relay need not answer either.
        firehoseApp = TestApp.start(TestApp.baseConfig().with(Setting.LIVE_SOURCE, "firehose")
                .with(Setting.FIREHOSE_URL, "ws://127.0.0.1:9/xrpc/com.atproto.sync.subscribeRepos"));
    }

    @AfterAll
    static void stop() {
        app.close();
        firehoseApp.close();
    }

    record Operation(String method, String path, JsonNode spec) {
        String key() {
            return method.toUpperCase() + " " + path;
        }

        boolean secured() {
            return !spec.has("security") || !spec.get("security").isEmpty();
        }

        /** The path with every {param} replaced by a value that exists in no table (a well-formed one where it matters). */
        String samplePath() {
            return path.replace("{id}", "00000000-0000-4000-8000-000000000000").replace("{file}", "app.js");
        }
    }

    static List<Operation> operations() {
        var ops = new ArrayList<Operation>();
        doc.get("paths").properties().forEach(p -> p.getValue().properties().forEach(m -> {
            if (METHODS.contains(m.getKey())) ops.add(new Operation(m.getKey(), p.getKey(), m.getValue()));
        }));
        return ops;
    }

    @Test
    void isOpenApi31WithABearerScheme() {
        assertThat(doc.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/security/0").has("bearer")).isTrue();
        assertThat(doc.at("/components/schemas/Error/required").toString()).isEqualTo("[\"error\",\"message\"]");
    }

    @Test
    void documentsExactlyTheRegisteredRoutes() {
        var documented = new TreeSet<String>();
        operations().forEach(op -> documented.add(op.key()));
        var registered = new TreeSet<>(app.app().routes());
        registered.addAll(firehoseApp.app().routes());
        assertThat(documented).isEqualTo(registered);
    }

    private static String powerlessKey(TestApp on) {
        var created = on.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":\"nothing\",\"permissions\":[]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created.json().get("key").asText();
    }

    @Test
    void everyDocumentedOperationIsRoutedWithTheDocumentedSecurity() {
        // A key that holds nothing: a secured route must answer 403 naming exactly the documented permission.
        String powerless = powerlessKey(app);
        String powerlessOnFirehose = powerlessKey(firehoseApp);
        var wire = Arrays.stream(Permission.values()).map(p -> p.wire).toList();

        for (var op : operations()) {
            if (op.path().equals("/admin/backfill/events")) continue; // authenticated by a stream token, checked below
            boolean onFirehose = !app.app().routes().contains(op.key());
            TestApp target = onFirehose ? firehoseApp : app;
            var anonymous = target.send(op.method().toUpperCase(), op.samplePath(), null, null);
            assertThat(anonymous.body()).as(op.key()).doesNotStartWith("{\"error\":\"NotFound\",\"message\":\"no route");
            assertThat(anonymous.status()).as(op.key()).isNotIn(405, 500);
            if (!op.secured()) {
                assertThat(anonymous.status()).as(op.key()).isNotEqualTo(401);
                continue;
            }
            assertThat(anonymous.status()).as(op.key() + " without a key").isEqualTo(401);
            String permission = op.spec().path("x-permission").asText();
            assertThat(wire).as(op.key() + " x-permission").contains(permission);
            assertThat(op.spec().path("description").asText()).as(op.key()).contains("`" + permission + "`");
            var denied = target.send(op.method().toUpperCase(), op.samplePath(), onFirehose ? powerlessOnFirehose : powerless, null);
            assertThat(denied.status()).as(op.key()).isEqualTo(403);
            assertThat(denied.json().get("message").asText()).as(op.key()).isEqualTo("Missing permission: " + permission);
            for (String code : List.of("401", "403")) {
                assertThat(op.spec().at("/responses/" + code).isMissingNode()).as(op.key() + " documents " + code).isFalse();
            }
        }

        var stream = app.get("/admin/backfill/events?token=nope", null);
        assertThat(stream.status()).isEqualTo(401);
        var token = app.post("/admin/backfill/events/token", powerless, null);
        assertThat(token.status()).isEqualTo(403);
        assertThat(doc.at("/paths/~1admin~1backfill~1events~1token/post/x-permission").asText()).isEqualTo("backfill:read");
    }

    @Test
    void everyReferenceResolves() {
        var refs = new TreeSet<String>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    private static void collectRefs(JsonNode n, Set<String> out) {
        if (n.isObject()) {
            n.properties().forEach(e -> {
                if (e.getKey().equals("$ref")) out.add(e.getValue().asText());
                else collectRefs(e.getValue(), out);
            });
        } else if (n.isArray()) {
            n.forEach(c -> collectRefs(c, out));
        }
    }

    @Test
    void theMarkdownRenderingListsEveryRoute() throws Exception {
        String md = Files.readString(Path.of("docs/api.md"));
        for (var op : operations()) {
            assertThat(md).as(op.key()).contains("| " + op.method().toUpperCase() + " | `" + op.path() + "` |");
            assertThat(md).as(op.key()).contains("### " + op.method().toUpperCase() + " " + op.path());
        }
    }

    @Test
    void theServiceServesThisDocument() {
        var r = app.get("/openapi.yaml", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(raw);
    }
}
