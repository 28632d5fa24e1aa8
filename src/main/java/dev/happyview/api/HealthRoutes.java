package dev.happyview.api;

import dev.happyview.store.Database;
import java.util.Map;

/** {@code GET /health}: 200 when the database answers, 503 otherwise. No key needed. */
public final class HealthRoutes implements Routes.Module {
    private final Database db;

    public HealthRoutes(Database db) {
        this.db = db;
    }

    @Override
    public void register(Routes routes) {
        routes.publicRoutes().get("/health", ctx -> {
            if (db.isHealthy()) {
                ctx.json(Map.of("status", "ok", "database", "ok"));
            } else {
                ctx.status(503).json(Map.of("status", "unavailable", "database", "unreachable"));
            }
        });
    }
}
