package dev.happyview.bench;

import dev.happyview.App;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

/** A fresh database for a replay benchmark: the record lexicons uploaded (no backfill), no live source yet. */
final class ReplayDatabase {
    private ReplayDatabase() {}

    /** Creates the database and uploads {@code nsids}; returns the service's configuration for it (live source off). */
    static Config withRecordLexicons(EmbeddedPostgresServer pg, SimnetProcess net, HttpClient http, List<String> nsids)
            throws Exception {
        Config config = Config.defaults().with(Setting.DATABASE_URL, BenchCommand.newDatabase(pg))
                .with(Setting.HOST, "127.0.0.1").with(Setting.PORT, "0").with(Setting.ADMIN_API_KEY, ScenarioRun.API_KEY)
                .with(Setting.ALLOW_PRIVATE_NETWORK, "true").with(Setting.RELAY_URL, net.relayUrl())
                .with(Setting.PLC_URL, net.plcUrl()).with(Setting.LIVE_SOURCE, "off");
        try (var setup = App.start(config)) {
            for (String nsid : nsids) {
                var resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + setup.port() + "/admin/lexicons"))
                        .header("Authorization", "Bearer " + ScenarioRun.API_KEY).POST(HttpRequest.BodyPublishers.ofString("""
                                {"lexicon_json":{"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                                 "record":{"type":"object","properties":{}}}}},"backfill":false}""".formatted(nsid)))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (resp.statusCode() >= 300) throw new IllegalStateException("lexicon " + nsid + ": " + resp.statusCode() + " " + resp.body());
            }
        }
        return config;
    }
}
