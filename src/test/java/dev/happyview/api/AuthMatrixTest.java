package dev.happyview.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.testing.StartedApp;
import dev.happyview.testing.TestApp;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every admin route and method: no key, malformed, unknown, revoked, or lacking the permission gets 401/403, never data. */
class AuthMatrixTest {
    record Route(String method, String path, Permission permission, String body) {}

    static final String JOB = "00000000-0000-0000-0000-000000000001";
    static final List<Route> ROUTES = List.of(
            new Route("POST", "/admin/api-keys", Permission.API_KEYS_CREATE, "{\"name\":\"x\",\"permissions\":[]}"),
            new Route("GET", "/admin/api-keys", Permission.API_KEYS_READ, null),
            new Route("DELETE", "/admin/api-keys/" + JOB, Permission.API_KEYS_DELETE, null),
            new Route("POST", "/admin/lexicons", Permission.LEXICONS_CREATE, "{}"),
            new Route("GET", "/admin/lexicons", Permission.LEXICONS_READ, null),
            new Route("GET", "/admin/lexicons/a.b.c", Permission.LEXICONS_READ, null),
            new Route("DELETE", "/admin/lexicons/a.b.c", Permission.LEXICONS_DELETE, null),
            new Route("POST", "/admin/backfill", Permission.BACKFILL_CREATE, "{}"),
            new Route("GET", "/admin/backfill/status", Permission.BACKFILL_READ, null),
            new Route("GET", "/admin/backfill/" + JOB, Permission.BACKFILL_READ, null),
            new Route("GET", "/admin/backfill/" + JOB + "/repos", Permission.BACKFILL_READ, null),
            new Route("POST", "/admin/backfill/" + JOB + "/cancel", Permission.BACKFILL_CREATE, null),
            new Route("GET", "/admin/records", Permission.RECORDS_READ, null),
            new Route("GET", "/admin/records/one?uri=at://did:plc:a/a.b.c/x", Permission.RECORDS_READ, null),
            new Route("DELETE", "/admin/records?uri=at://did:plc:a/a.b.c/x", Permission.RECORDS_DELETE, null),
            new Route("DELETE", "/admin/records/collection?collection=a.b.c", Permission.RECORDS_DELETE_COLLECTION, null),
            new Route("GET", "/admin/stats", Permission.STATS_READ, null));

    @StartedApp
    static TestApp app;
    static String revoked;

    @BeforeAll
    static void revokeAKey() {
        var created = app.post("/admin/api-keys", TestApp.ADMIN_KEY,
                "{\"name\":\"soon revoked\",\"permissions\":[\"stats:read\",\"records:read\",\"backfill:read\",\"lexicons:read\",\"api-keys:read\"]}").json();
        revoked = created.get("key").asText();
        assertThat(app.delete("/admin/api-keys/" + created.get("id").asText(), TestApp.ADMIN_KEY).status()).isEqualTo(204);
    }

    @Test
    void everyRouteRefusesMissingMalformedUnknownAndRevokedKeys() {
        for (Route r : ROUTES) {
            for (String key : new String[] {null, "garbage", "hv_0000", "hv_ffffffffffffffffffffffffffffffff", revoked}) {
                var resp = app.send(r.method(), r.path(), key, r.body());
                assertThat(resp.status()).as("%s %s with key %s", r.method(), r.path(), key).isEqualTo(401);
                assertThat(resp.json().get("error").asText()).isEqualTo("AuthRequired");
                assertThat(resp.json().size()).as("no data in a refusal").isEqualTo(2);
            }
        }
    }

    @Test
    void everyRouteNeedsItsOwnPermissionAndOnlyThatOne() {
        for (Route r : ROUTES) {
            var others = EnumSet.complementOf(EnumSet.of(r.permission()));
            String withoutIt = key(others);
            var denied = app.send(r.method(), r.path(), withoutIt, r.body());
            assertThat(denied.status()).as("%s %s without %s", r.method(), r.path(), r.permission().wire).isEqualTo(403);
            assertThat(denied.json().get("error").asText()).isEqualTo("InsufficientPermissions");
            assertThat(denied.json().get("message").asText()).isEqualTo("Missing permission: " + r.permission().wire);
            var allowed = app.send(r.method(), r.path(), key(EnumSet.of(r.permission())), r.body());
            assertThat(allowed.status()).as("%s %s with %s", r.method(), r.path(), r.permission().wire).isNotIn(401, 403);
        }
    }

    static String key(EnumSet<Permission> perms) {
        String list = String.join(",", perms.stream().map(p -> "\"" + p.wire + "\"").toList());
        return app.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":\"k\",\"permissions\":[" + list + "]}")
                .json().get("key").asText();
    }
}
