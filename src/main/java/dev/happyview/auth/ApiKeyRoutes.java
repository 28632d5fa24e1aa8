package dev.happyview.auth;

import dev.happyview.api.ApiException;
import dev.happyview.api.Permission;
import dev.happyview.api.RequestBodies;
import dev.happyview.api.Routes;
import java.util.List;
import java.util.UUID;

/** {@code /admin/api-keys}: create (the secret is returned once), list without secrets, revoke. */
public final class ApiKeyRoutes implements Routes.Module {
    private final ApiKeyService keys;

    public ApiKeyRoutes(ApiKeyService keys) {
        this.keys = keys;
    }

    record CreateKeyRequest(String name, List<String> permissions) {}

    @Override
    public void register(Routes routes) {
        routes.post("/admin/api-keys", Permission.API_KEYS_CREATE, (ctx, caller) -> {
            var req = RequestBodies.parse(ctx, CreateKeyRequest.class);
            if (req.name() == null || req.name().isBlank()) throw ApiException.badRequest("field 'name' is required");
            if (req.name().length() > 200) throw ApiException.badRequest("field 'name' is longer than 200 characters");
            if (req.permissions() == null) throw ApiException.badRequest("field 'permissions' is required");
            var created = keys.create(caller, req.name().strip(), req.permissions());
            ctx.status(201).json(created);
        });
        routes.get("/admin/api-keys", Permission.API_KEYS_READ, (ctx, caller) -> ctx.json(keys.list()));
        routes.delete("/admin/api-keys/{id}", Permission.API_KEYS_DELETE, (ctx, caller) -> {
            UUID id;
            try {
                id = UUID.fromString(ctx.pathParam("id"));
            } catch (IllegalArgumentException e) {
                throw ApiException.notFound("no API key " + ctx.pathParam("id"));
            }
            if (!keys.revoke(id)) throw ApiException.notFound("no API key " + id);
            ctx.status(204);
        });
    }
}
