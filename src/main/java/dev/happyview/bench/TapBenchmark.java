package dev.happyview.bench;

import dev.happyview.App;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.simnet.TapSimulator;
import dev.happyview.store.EmbeddedPostgresServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

/**
 * Tap mode throughput: a Tap simulator delivers a whole network's backfill over the channel and the service indexes
 * it; prints events applied per second from the upload that starts the job to the last committed event.
 */
final class TapBenchmark {
    private TapBenchmark() {}

    static void run(EmbeddedPostgresServer pg, PrintStream out) throws Exception {
        String collection = ScenarioBenchmark.POSTS;
        var scenario = Scenario.builder().seed(7).repos(2000).pdsHosts(40).collections(collection).build();
        try (var net = SimNetwork.start(scenario);
                var tap = TapSimulator.start(net, Set.of(collection), "", Duration.ofSeconds(60))) {
            long expected = net.groundTruth(Set.of(collection), null).size();
            Config config = Config.defaults().with(Setting.DATABASE_URL, BenchCommand.newDatabase(pg))
                    .with(Setting.HOST, "127.0.0.1").with(Setting.PORT, "0")
                    .with(Setting.ADMIN_API_KEY, "hv_00000000000000000000000000000000")
                    .with(Setting.ALLOW_PRIVATE_NETWORK, "true").with(Setting.RELAY_URL, net.relayUrl())
                    .with(Setting.PLC_URL, net.plcUrl()).with(Setting.BACKFILL_MODE, "tap").with(Setting.TAP_URL, tap.url());
            try (var app = App.start(config); var http = HttpClient.newHttpClient()) {
                long t0 = System.nanoTime();
                String body = """
                        {"lexicon_json":{"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                         "record":{"type":"object","properties":{}}}}}}""".formatted(collection);
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + app.port() + "/admin/lexicons"))
                        .header("Authorization", "Bearer " + config.get(Setting.ADMIN_API_KEY))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                while (tap.outboxSize() > 0 || app.tapConsumer().status().eventsApplied() < expected) {
                    Thread.sleep(20);
                    if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) throw new IllegalStateException("tap benchmark timed out");
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                long applied = app.tapConsumer().status().eventsApplied();
                out.printf("%n[tap: 2,000 repos handed to the Tap simulator, channel drained into Postgres]%n");
                out.printf("  events applied %,d (records %,d)  wall %,d ms  %,.0f events/s  redelivered %d%n", applied,
                        expected, ms, applied / (ms / 1000.0), tap.redeliveredCount());
            }
        }
    }
}
