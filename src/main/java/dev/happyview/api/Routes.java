package dev.happyview.api;

import dev.happyview.store.Database;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;

/**
 * Where features declare their routes. Admin routes name the permission they need; the check happens here, before
 * the handler runs, so no handler can forget it. Both run in the database's request lane
 * ({@link Database#servingRequest}): an operator's request never queues for a connection behind a backfill.
 */
public final class Routes {
    private final RoutesConfig routes;
    private final Authenticator authenticator;

    Routes(RoutesConfig routes, Authenticator authenticator) {
        this.routes = routes;
        this.authenticator = authenticator;
    }

    public void get(String path, Permission permission, AdminHandler handler) {
        routes.get(path, secured(permission, handler));
    }

    public void post(String path, Permission permission, AdminHandler handler) {
        routes.post(path, secured(permission, handler));
    }

    public void put(String path, Permission permission, AdminHandler handler) {
        routes.put(path, secured(permission, handler));
    }

    public void delete(String path, Permission permission, AdminHandler handler) {
        routes.delete(path, secured(permission, handler));
    }

    /** Routes anyone may call (health, dashboard assets); also SSE and WebSocket endpoints that authenticate themselves. */
    public RoutesConfig publicRoutes() {
        return routes;
    }

    private Handler secured(Permission permission, AdminHandler handler) {
        return ctx -> Database.servingRequest(() -> {
            var caller = authenticator.authenticate(ctx.header("Authorization"));
            if (!caller.allows(permission)) throw ApiException.forbidden(permission.wire);
            handler.handle(ctx, caller);
        });
    }

    /** One feature's set of routes. */
    @FunctionalInterface
    public interface Module {
        void register(Routes routes);
    }
}
