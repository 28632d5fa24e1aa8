package dev.happyview.api;

import dev.happyview.store.Database;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /health}: 200 when the database answers; 503 otherwise, with the reason (the driver's, or what the
 * embedded server's supervisor is doing) and since when. Jobs are paused meanwhile and resume by themselves. No key.
 */
public final class HealthRoutes implements Routes.Module {
    private final Database db;

    public HealthRoutes(Database db) {
        this.db = db;
    }

    @Override
    public void register(Routes routes) {
        routes.publicRoutes().get("/health", ctx -> {
            Database.Health health = db.health();
            if (health.available()) {
                ctx.json(Map.of("status", "ok", "database", "ok"));
                return;
            }
            var body = new LinkedHashMap<String, Object>();
            body.put("status", "unavailable");
            body.put("database", "unreachable");
            body.put("reason", health.reason());
            body.put("since", health.since().toString());
            body.put("jobs", "paused until the database is back");
            ctx.status(503).json(body);
        });
    }
}
