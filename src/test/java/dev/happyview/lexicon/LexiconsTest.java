package dev.happyview.lexicon;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LexiconsTest {
    static final Path VECTORS = Path.of("src/test/resources/interop/lexicon");
    @StartedApp
    static TestApp app;

    static TestApp.Response upload(JsonNode lexicon, Boolean backfill) {
        var body = Json.MAPPER.createObjectNode();
        body.set("lexicon_json", lexicon);
        if (backfill != null) body.put("backfill", backfill);
        return app.post("/admin/lexicons", TestApp.ADMIN_KEY, body.toString());
    }

    @Test
    void everyValidVectorIsAcceptedAndEveryInvalidOneRejectedWithAFieldName() throws Exception {
        for (JsonNode v : Json.MAPPER.readTree(Files.readString(VECTORS.resolve("lexicon-valid.json")))) {
            var r = upload(v.get("lexicon"), false);
            assertThat(r.status()).as(v.get("name").asText() + ": " + r.body()).isIn(200, 201);
        }
        for (JsonNode v : Json.MAPPER.readTree(Files.readString(VECTORS.resolve("lexicon-invalid.json")))) {
            var r = upload(v.get("lexicon"), false);
            assertThat(r.status()).as(v.get("name").asText()).isEqualTo(400);
            assertThat(r.json().get("message").asText()).as(v.get("name").asText()).contains("lexicon_json");
        }
        try (var files = Files.list(VECTORS.resolve("catalog"))) {
            for (Path f : files.toList()) {
                var r = upload(Json.MAPPER.readTree(Files.readString(f)), false);
                assertThat(r.status()).as(f.getFileName() + ": " + r.body()).isIn(200, 201);
            }
        }
    }

    @Test
    void reUploadBumpsTheRevisionAndTheListShowsTypeAndFlag() throws Exception {
        JsonNode lex = Json.MAPPER.readTree("""
                {"lexicon":1,"id":"com.example.rev.thing","defs":{"main":{"type":"record","key":"tid",
                 "record":{"type":"object","properties":{}}}}}""");
        var first = upload(lex, false);
        assertThat(first.status()).isEqualTo(201);
        assertThat(first.json().get("revision").asInt()).isEqualTo(1);
        var second = upload(lex, false);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().get("revision").asInt()).isEqualTo(2);
        var one = app.get("/admin/lexicons/com.example.rev.thing", TestApp.ADMIN_KEY).json();
        assertThat(one.get("lexicon_type").asText()).isEqualTo("record");
        assertThat(one.get("backfill").asBoolean()).isFalse();
        assertThat(one.get("lexicon_json").get("id").asText()).isEqualTo("com.example.rev.thing");
        var list = app.get("/admin/lexicons", TestApp.ADMIN_KEY).json();
        assertThat(list.findValuesAsText("id")).contains("com.example.rev.thing");
        assertThat(app.delete("/admin/lexicons/com.example.rev.thing", TestApp.ADMIN_KEY).status()).isEqualTo(204);
        assertThat(app.get("/admin/lexicons/com.example.rev.thing", TestApp.ADMIN_KEY).status()).isEqualTo(404);
        assertThat(app.delete("/admin/lexicons/com.example.rev.thing", TestApp.ADMIN_KEY).status()).isEqualTo(404);
    }

    @Test
    void badBodiesAreRejectedNamingTheField() {
        assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{}").json().get("message").asText()).contains("lexicon_json");
        var wrongType = app.post("/admin/lexicons", TestApp.ADMIN_KEY,
                "{\"lexicon_json\":{\"lexicon\":1,\"id\":\"a.b.c\",\"defs\":{}},\"backfill\":\"yes\"}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.json().get("message").asText()).contains("backfill");
        var badTarget = app.post("/admin/lexicons", TestApp.ADMIN_KEY,
                "{\"lexicon_json\":{\"lexicon\":1,\"id\":\"a.b.c\",\"defs\":{}},\"target_collection\":\"nope\"}");
        assertThat(badTarget.status()).isEqualTo(400);
        assertThat(badTarget.json().get("message").asText()).contains("target_collection");
        var noKey = app.post("/admin/lexicons", TestApp.ADMIN_KEY,
                "{\"lexicon_json\":{\"lexicon\":1,\"id\":\"a.b.c\",\"defs\":{\"main\":{\"type\":\"record\",\"record\":{\"type\":\"object\"}}}}}");
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.json().get("message").asText()).contains("key");
        String lexicon = "{\"lexicon\":1,\"id\":\"a.b.c\",\"defs\":{}}";
        var badAction = app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{\"lexicon_json\":" + lexicon + ",\"action\":\"explode\"}");
        assertThat(badAction.status()).isEqualTo(400);
        assertThat(badAction.json().get("message").asText()).contains("action").contains("create, update, delete, upsert");
        for (String cost : List.of("-1", "1.5", "\"3\"", "99999999999")) {
            var badCost = app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{\"lexicon_json\":" + lexicon + ",\"token_cost\":" + cost + "}");
            assertThat(badCost.status()).as(cost).isEqualTo(400);
            assertThat(badCost.json().get("message").asText()).as(cost).contains("token_cost");
        }
        var scriptNotText = app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{\"lexicon_json\":" + lexicon + ",\"script\":{}}");
        assertThat(scriptNotText.status()).isEqualTo(400);
        assertThat(scriptNotText.json().get("message").asText()).contains("script");
        var unknown = app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{\"lexicon_json\":" + lexicon + ",\"scripts\":\"x\"}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("message").asText()).contains("scripts");
    }

    @Test
    void happyViewsFieldsAreStoredReplacedAndUpsertIsTheDefaultAction() throws Exception {
        String id = "com.example.hv.setThing";
        String doc = "{\"lexicon\":1,\"id\":\"" + id + "\",\"defs\":{\"main\":{\"type\":\"procedure\"}}}";
        var first = app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{\"lexicon_json\":" + doc
                + ",\"action\":\"upsert\",\"script\":\"return 1\",\"index_hook\":\"return record\",\"token_cost\":0}");
        assertThat(first.status()).as(first.body()).isEqualTo(201);
        var one = app.get("/admin/lexicons/" + id, TestApp.ADMIN_KEY).json();
        assertThat(one.get("action").isNull()).as("upsert is stored as HappyView stores it: no action").isTrue();
        assertThat(one.get("script").asText()).isEqualTo("return 1");
        assertThat(one.get("index_hook").asText()).isEqualTo("return record");
        assertThat(one.get("token_cost").asInt()).isZero();
        assertThat(one.get("has_script").asBoolean()).isTrue();
        // A re-upload replaces every field, as in HappyView: what it leaves out is gone.
        assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, "{\"lexicon_json\":" + doc + ",\"action\":\"delete\"}").status())
                .isEqualTo(200);
        one = app.get("/admin/lexicons/" + id, TestApp.ADMIN_KEY).json();
        assertThat(one.get("action").asText()).isEqualTo("delete");
        assertThat(one.get("script").isNull()).isTrue();
        assertThat(one.get("has_script").asBoolean()).isFalse();
        assertThat(one.get("has_index_hook").asBoolean()).isFalse();
        assertThat(one.get("token_cost").isNull()).isTrue();
        assertThat(one.get("revision").asInt()).isEqualTo(2);
        // A subscription is one of HappyView's "definitions" lexicons.
        String sub = "{\"lexicon\":1,\"id\":\"com.example.hv.subscribe\",\"defs\":{\"main\":{\"type\":\"subscription\"}}}";
        assertThat(upload(Json.MAPPER.readTree(sub), false).status()).isEqualTo(201);
        assertThat(app.get("/admin/lexicons/com.example.hv.subscribe", TestApp.ADMIN_KEY).json().get("lexicon_type").asText())
                .isEqualTo("definitions");
    }
}
