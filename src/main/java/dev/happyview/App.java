package dev.happyview;

import dev.happyview.api.HealthRoutes;
import dev.happyview.api.HttpApi;
import dev.happyview.api.Routes;
import dev.happyview.auth.ApiKeyRoutes;
import dev.happyview.auth.ApiKeyService;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.store.Database;
import dev.happyview.store.EmbeddedPostgresServer;
import dev.happyview.store.JdbcUrls;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The composition root: builds every component once, wires them by hand, and closes them in reverse order. */
public final class App implements AutoCloseable {
    private final Config config;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Database db;
    private final HttpApi http;
    private final Optional<String> generatedAdminKey;

    private App(Config config) throws Exception {
        this.config = config;
        try {
            String jdbcUrl;
            if (config.embeddedDatabase()) {
                var pg = EmbeddedPostgresServer.start(config.dataDir().resolve("postgres"), true);
                closeables.add(pg);
                jdbcUrl = pg.jdbcUrl("postgres");
            } else {
                jdbcUrl = JdbcUrls.toJdbc(config.get(Setting.DATABASE_URL));
            }
            db = Database.connect(jdbcUrl, config.getInt(Setting.DATABASE_MAX_CONNECTIONS));
            closeables.add(db);

            var keys = new ApiKeyService(db);
            generatedAdminKey = keys.ensureBootstrapKey(config.get(Setting.ADMIN_API_KEY));

            List<Routes.Module> modules = List.of(new HealthRoutes(db), new ApiKeyRoutes(keys));
            http = HttpApi.start(config.get(Setting.HOST), config.getInt(Setting.PORT),
                    config.getLong(Setting.MAX_REQUEST_BYTES), keys, modules);
            closeables.add(http);
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    public static App start(Config config) throws Exception {
        return new App(config);
    }

    public Config config() {
        return config;
    }

    public Database database() {
        return db;
    }

    public int port() {
        return http.port();
    }

    /** The admin key generated on this start (first start without ADMIN_API_KEY only). */
    public Optional<String> generatedAdminKey() {
        return generatedAdminKey;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(App.class).warn("error while closing {}: {}", closeables.get(i), e.toString());
            }
        }
        closeables.clear();
    }
}
