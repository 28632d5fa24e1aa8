package dev.happyview.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.api.Permission;
import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
    @StartedApp
    static TestApp app;

    @Test
    void healthChecksTheDatabase() {
        var r = app.get("/health", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("database").asText()).isEqualTo("ok");
    }

    @Test
    void createdKeyIsReturnedOnceStoredHashedAndLimitedToItsPermissions() throws Exception {
        var created = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"reader\",\"permissions\":[\"lexicons:read\"]}");
        assertThat(created.status()).isEqualTo(201);
        String key = created.json().get("key").asText();
        assertThat(key).matches("hv_[0-9a-f]{32}");

        var list = app.get("/admin/api-keys", TestApp.ADMIN_KEY);
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(key).contains("reader").contains("lexicons:read");
        try (var c = app.app().database().connection();
                var st = c.prepareStatement("SELECT key_hash FROM api_keys WHERE name = 'reader'");
                var rs = st.executeQuery()) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(ApiKeySecrets.hash(key)).doesNotContain(key.substring(3));
        }

        var denied = app.get("/admin/api-keys", key);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.json().get("error").asText()).isEqualTo("InsufficientPermissions");
        assertThat(denied.json().get("message").asText()).isEqualTo("Missing permission: api-keys:read");
    }

    @Test
    void aKeyCanGrantOnlyThePermissionsItHolds() {
        var held = EnumSet.of(Permission.API_KEYS_CREATE, Permission.STATS_READ);
        String creator = app.post("/admin/api-keys", TestApp.ADMIN_KEY, """
                {"name":"delegate","permissions":["api-keys:create","stats:read"]}""").json().get("key").asText();
        for (Permission p : EnumSet.complementOf(held)) {
            var escalated = app.post("/admin/api-keys", creator,
                    "{\"name\":\"escalated\",\"permissions\":[\"stats:read\",\"" + p.wire + "\"]}");
            assertThat(escalated.status()).as(p.wire).isEqualTo(403);
            assertThat(escalated.json().get("message").asText()).isEqualTo("Missing permission: " + p.wire);
        }
        var narrower = app.post("/admin/api-keys", creator, "{\"name\":\"narrower\",\"permissions\":[\"stats:read\"]}");
        assertThat(narrower.status()).isEqualTo(201);
        assertThat(app.get("/admin/stats", narrower.json().get("key").asText()).status()).isEqualTo(200);
        var same = app.post("/admin/api-keys", creator, "{\"name\":\"same\",\"permissions\":[\"api-keys:create\",\"stats:read\"]}");
        assertThat(same.status()).isEqualTo(201);
        assertThat(app.get("/admin/api-keys", TestApp.ADMIN_KEY).body()).doesNotContain("escalated");
    }

    @Test
    void revokedKeyIsRejected() {
        var created = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"temp\",\"permissions\":[\"api-keys:read\"]}").json();
        String key = created.get("key").asText();
        assertThat(app.get("/admin/api-keys", key).status()).isEqualTo(200);
        assertThat(app.delete("/admin/api-keys/" + created.get("id").asText(), TestApp.ADMIN_KEY).status()).isEqualTo(204);
        var after = app.get("/admin/api-keys", key);
        assertThat(after.status()).isEqualTo(401);
        assertThat(after.json().get("error").asText()).isEqualTo("AuthRequired");
    }

    @Test
    void aKeyRevokedByAnotherProcessStopsWorkingWithinTheCheckInterval() throws Exception {
        var created = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"elsewhere\",\"permissions\":[\"api-keys:read\"]}").json();
        String key = created.get("key").asText();
        assertThat(app.get("/admin/api-keys", key).status()).isEqualTo(200);
        // Revoked behind this process's back, as another process sharing the database would.
        try (var c = app.app().database().connection();
                var st = c.prepareStatement("UPDATE api_keys SET revoked_at = now() WHERE id = ?::uuid")) {
            st.setString(1, created.get("id").asText());
            assertThat(st.executeUpdate()).isEqualTo(1);
        }
        long revokedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> app.get("/admin/api-keys", key).status() == 401);
        assertThat(Duration.ofNanos(System.nanoTime() - revokedAt))
                .isLessThanOrEqualTo(ApiKeyService.CHECKED_FOR.plusMillis(500));
    }

    @Test
    void missingMalformedAndUnknownKeysGet401() {
        assertThat(app.get("/admin/api-keys", null).status()).isEqualTo(401);
        assertThat(app.get("/admin/api-keys", "not-a-key").status()).isEqualTo(401);
        assertThat(app.get("/admin/api-keys", "hv_ffffffffffffffffffffffffffffffff").status()).isEqualTo(401);
    }

    @Test
    void badBodiesGet400NamingTheProblem() {
        var malformed = app.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("message").asText()).contains("malformed JSON");
        var unknownPerm = app.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":\"x\",\"permissions\":[\"root\"]}");
        assertThat(unknownPerm.status()).isEqualTo(400);
        assertThat(unknownPerm.json().get("message").asText()).contains("permissions").contains("root")
                .as("lists the valid names").contains("records:delete-collection").contains("events:read");
        var wrongType = app.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":5,\"permissions\":[]}");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.json().get("message").asText()).contains("name");
        var unknownField = app.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":\"x\",\"permissions\":[],\"admin\":true}");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.json().get("message").asText()).contains("admin");
    }

    @Test
    void happyViewsPermissionNamesAreKeptInOrderButGrantOnlyWhatExistsHere() {
        var created = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"hv\",\"permissions\":[\"events:read\",\"stats:read\",\"users:read\",\"stats:read\"]}");
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.json().get("permissions").toString()).isEqualTo("[\"events:read\",\"stats:read\",\"users:read\"]");
        String key = created.json().get("key").asText();
        assertThat(app.get("/admin/stats", key).status()).isEqualTo(200);
        assertThat(app.get("/admin/api-keys", key).status()).isEqualTo(403);
        var listed = app.get("/admin/api-keys", TestApp.ADMIN_KEY).json();
        for (var k : listed) {
            if (k.get("id").asText().equals(created.json().get("id").asText())) {
                assertThat(k.get("permissions").toString()).isEqualTo("[\"events:read\",\"stats:read\",\"users:read\"]");
            }
        }
        // A key that holds only HappyView's inert names cannot hand out a permission of this service.
        var inert = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"inert\",\"permissions\":[\"api-keys:create\",\"plugins:create\"]}").json().get("key").asText();
        var escalate = app.post("/admin/api-keys", inert, "{\"name\":\"x\",\"permissions\":[\"stats:read\"]}");
        assertThat(escalate.status()).isEqualTo(403);
        assertThat(app.post("/admin/api-keys", inert, "{\"name\":\"x\",\"permissions\":[\"plugins:read\"]}").status())
                .isEqualTo(201);
    }

    @Test
    void dpopSchemeCarriesTheSameKey() {
        assertThat(app.sendAuthorized("GET", "/admin/api-keys", "DPoP " + TestApp.ADMIN_KEY, null).status()).isEqualTo(200);
        assertThat(app.sendAuthorized("GET", "/admin/api-keys", "dpop " + TestApp.ADMIN_KEY, null).status()).isEqualTo(200);
        var basic = app.sendAuthorized("GET", "/admin/api-keys", "Basic " + TestApp.ADMIN_KEY, null);
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.json().get("message").asText()).contains("Bearer").contains("DPoP");
    }

    @Test
    void revokingAnUnknownOrMalformedIdIs404() {
        assertThat(app.delete("/admin/api-keys/not-a-uuid", TestApp.ADMIN_KEY).status()).isEqualTo(404);
        assertThat(app.delete("/admin/api-keys/00000000-0000-4000-8000-000000000000", TestApp.ADMIN_KEY).status()).isEqualTo(404);
    }

    @Test
    void oversizedBodyGets413() {
        String big = "{\"name\":\"" + "x".repeat(2_000_000) + "\",\"permissions\":[]}";
        var r = app.post("/admin/api-keys", TestApp.ADMIN_KEY, big);
        assertThat(r.status()).isEqualTo(413);
    }

    @Test
    void unknownRouteGetsJson404() {
        var r = app.get("/admin/nothing-here", TestApp.ADMIN_KEY);
        assertThat(r.status()).isEqualTo(404);
        assertThat(r.json().get("error").asText()).isEqualTo("NotFound");
    }
}
