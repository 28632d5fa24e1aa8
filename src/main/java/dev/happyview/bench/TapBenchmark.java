package dev.happyview.bench;

import dev.happyview.App;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Tap mode throughput: the Tap simulator (in the simnet child process, so its heap and the service's are apart)
 * backfills a whole network while delivery is held, then releases it; prints the events the service applied per
 * second while draining the outbox into Postgres, and checks the index against the ground truth.
 */
final class TapBenchmark {
    private TapBenchmark() {}

    static void run(EmbeddedPostgresServer pg, PrintStream out) throws Exception {
        String collection = BenchScenario.POSTS;
        int repos = 2000;
        var args = new ArrayList<>(BenchScenario.simnetArgs(repos, 40, 0, "0/300", "0/0", collection));
        args.add("--tap");
        try (var net = SimnetProcess.startCompiled(args); var http = HttpClient.newHttpClient()) {
            String tapUrl = net.info().get("tap_url").asText();
            long records = net.info().get("records").asLong();
            long events = records + repos; // one identity event per repo
            String jdbc = BenchCommand.newDatabase(pg);
            Config config = Config.defaults().with(Setting.DATABASE_URL, jdbc)
                    .with(Setting.HOST, "127.0.0.1").with(Setting.PORT, "0")
                    .with(Setting.ADMIN_API_KEY, ScenarioRun.API_KEY)
                    .with(Setting.ALLOW_PRIVATE_NETWORK, "true").with(Setting.RELAY_URL, net.relayUrl())
                    .with(Setting.PLC_URL, net.plcUrl()).with(Setting.BACKFILL_MODE, "tap").with(Setting.TAP_URL, tapUrl);
            try (var app = App.start(config)) {
                // Delivery is held while Tap backfills, so the drain is timed alone: the service's ingest rate, not
                // the simulator's work of building the events.
                post(http, tapUrl + "/_sim/pause", null, null);
                long t0 = System.nanoTime();
                post(http, "http://127.0.0.1:" + app.port() + "/admin/lexicons", config.get(Setting.ADMIN_API_KEY), """
                        {"lexicon_json":{"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                         "record":{"type":"object","properties":{}}}}}}""".formatted(collection));
                await(() -> outbox(net, tapUrl) >= events, t0);
                long queuedMs = (System.nanoTime() - t0) / 1_000_000;
                long t1 = System.nanoTime();
                post(http, tapUrl + "/_sim/resume", null, null);
                await(() -> app.tapConsumer().status().eventsApplied() >= events && outbox(net, tapUrl) == 0, t1);
                long ms = (System.nanoTime() - t1) / 1_000_000;
                long applied = app.tapConsumer().status().eventsApplied();
                IndexCheck.requireEqualToGroundTruth(net, "tap", List.of(collection), jdbc);
                out.printf("%n[tap: %,d repos handed to the Tap simulator, then its outbox drained into Postgres]%n", repos);
                out.printf("  hand-off and Tap's backfill: %,d events queued in %,d ms%n", events, queuedMs);
                out.printf("  drain: events applied %,d (records %,d)  wall %,d ms  %,.0f events/s%n",
                        applied, records, ms, applied / (ms / 1000.0));
                out.printf("  index equals the ground truth (%,d records)%n", records);
            }
        }
    }

    private static long outbox(SimnetProcess net, String tapUrl) {
        try {
            return net.get(tapUrl + "/stats/outbox-buffer").get("outbox_buffer").asLong();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the Tap simulator's outbox", e);
        }
    }

    private static void post(HttpClient http, String url, String key, String body) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(url))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) req.header("Authorization", "Bearer " + key);
        var resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() >= 300) throw new IllegalStateException("POST " + url + ": " + resp.statusCode() + " " + resp.body());
    }

    private static void await(BooleanSupplier done, long since) throws InterruptedException {
        while (!done.getAsBoolean()) {
            Thread.sleep(20);
            if (System.nanoTime() - since > Duration.ofMinutes(5).toNanos()) throw new IllegalStateException("tap benchmark timed out");
        }
    }
}
