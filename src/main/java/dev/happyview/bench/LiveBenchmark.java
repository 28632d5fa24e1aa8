package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.App;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.live.LiveStats;
import dev.happyview.store.EmbeddedPostgresServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Live indexing from Jetstream, with the simulated network and its Jetstream in a child process on the same cores:
 * <ol>
 *   <li><b>replay</b>: the network changes for a while with nobody listening (a recorded stream); then the service,
 *       its cursor set to the stream's start, replays all of it; printed: events applied per second. A first
 *       recording is replayed the same way, unmeasured (warm-up).</li>
 *   <li><b>lag</b>: the network changes at a steady 2,000 events/s while the service follows live; printed: the lag
 *       from each event's time to the commit of its write, median and 99th percentile.</li>
 * </ol>
 */
final class LiveBenchmark {
    private static final String POSTS = BenchScenario.POSTS;
    private static final String LIKES = BenchScenario.LIKES;

    private LiveBenchmark() {}

    static void run(EmbeddedPostgresServer pg, PrintStream out, double recordRate, int recordSeconds, double lagRate,
            int lagSeconds) throws Exception {
        var args = List.of("--seed", "7", "--repos", "2000", "--pds", "8", "--collections", POSTS + "," + LIKES,
                "--jetstream-window", "3600");
        try (var net = SimnetProcess.startCompiled(args); var http = HttpClient.newHttpClient()) {
            String js = net.info().get("jetstream_url").asText();
            String control = "http://" + js.substring("ws://".length());
            // A first recording replayed unmeasured, as the backfill scenarios warm up: the measured replay runs on
            // compiled code in both processes, not on the interpreter and a busy JIT compiler.
            Replay warmUp = replay(pg, net, http, control, recordRate, recordSeconds);
            warmUp.app().close();
            out.printf("warm-up replay (not measured): %,d events, %,.0f events/s%n", warmUp.events(), warmUp.rate());
            Replay measured = replay(pg, net, http, control, recordRate, recordSeconds);
            try (var app = measured.app()) {
                LiveStats stats = app.live().pipeline().stats();
                out.printf("%n[live replay: a recorded Jetstream stream of %,d events (%s changes/s for %d s over 2,000 repos)]%n",
                        measured.events(), fmt(recordRate), recordSeconds);
                out.printf("  replayed in %,d ms from the connection to the last event's commit: %,.0f events/s%n",
                        measured.millis(), measured.rate());
                CpuTime.Spent cpu = measured.cpu();
                out.printf("  cpu per event: service %.1f µs, simulated Jetstream %.1f µs, postgres %.1f µs (%.1f s of cpu in %.1f s)%n",
                        perEvent(cpu.service(), measured.events()), perEvent(cpu.simnet(), measured.events()),
                        perEvent(cpu.postgres(), measured.events()),
                        cpu.service().plus(cpu.simnet()).plus(cpu.postgres()).toMillis() / 1000.0, measured.millis() / 1000.0);

                long lagStart = System.currentTimeMillis() * 1000;
                post(http, control + "/_sim/mutate?rate=" + lagRate + "&seconds=" + lagSeconds, null, null);
                long lastLive = awaitQuiet(net, control).get("last_time_us").asLong();
                await(() -> stats.lastEventMicros() >= lastLive, System.nanoTime());
                var lag = stats.lagOfEventsSince(lagStart);
                out.printf("%n[live lag: %s changes/s for %d s, the service following the stream]%n", fmt(lagRate), lagSeconds);
                out.printf("  %,d events; lag from event time to committed write: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                        lag.events(), lag.p50Ms(), lag.p99Ms(), lag.maxMs());
            }
        }
    }

    /** A replayed recording: the service still running on its own database, and how long the replay took. */
    private record Replay(App app, long events, long millis, CpuTime.Spent cpu) {
        double rate() {
            return events / (millis / 1000.0);
        }
    }

    /**
     * The network changes with nobody listening; then a service on a new database, its cursor at the recording's
     * start, replays all of it. Returns the service still running.
     */
    private static Replay replay(EmbeddedPostgresServer pg, SimnetProcess net, HttpClient http, String control,
            double recordRate, int recordSeconds) throws Exception {
        String js = net.info().get("jetstream_url").asText();
        long publishedBefore = net.get(control + "/_sim/stats").get("published").asLong();
        long start = System.currentTimeMillis() * 1000;
        post(http, control + "/_sim/mutate?rate=" + recordRate + "&seconds=" + recordSeconds, null, null);
        JsonNode recorded = awaitQuiet(net, control);
        long events = recorded.get("published").asLong() - publishedBefore;
        // The service as after a pause: its cursor at the stream's start, so it replays everything recorded.
        Config config = ReplayDatabase.withRecordLexicons(pg, net, http, List.of(POSTS, LIKES));
        try (var c = DriverManager.getConnection(config.get(Setting.DATABASE_URL)); var st = c.prepareStatement(
                "INSERT INTO live_cursors (source, partition, cursor) VALUES ('jetstream', 0, ?), ('jetstream', 1, ?)")) {
            st.setLong(1, start);
            st.setLong(2, start);
            st.executeUpdate();
        }
        var app = App.start(config.with(Setting.LIVE_SOURCE, "jetstream").with(Setting.JETSTREAM_URL, js));
        try {
            LiveStats stats = app.live().pipeline().stats();
            await(() -> app.live().source().status().connectedSince() != null, System.nanoTime());
            CpuTime cpu0 = CpuTime.now(net.pid());
            long t0 = System.nanoTime();
            long lastRecorded = recorded.get("last_time_us").asLong();
            await(() -> stats.lastEventMicros() >= lastRecorded, t0);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            return new Replay(app, events, millis, CpuTime.now(net.pid()).since(cpu0));
        } catch (Exception | Error e) {
            app.close();
            throw e;
        }
    }

    private static double perEvent(Duration cpu, long events) {
        return cpu.toNanos() / 1000.0 / Math.max(1, events);
    }

    private static String fmt(double rate) {
        return String.format("%,.0f", rate);
    }

    /** Waits until the simulated Jetstream has published nothing new for two seconds; returns its counters. */
    private static JsonNode awaitQuiet(SimnetProcess net, String control) throws Exception {
        long last = -1;
        while (true) {
            Thread.sleep(2000);
            JsonNode stats = net.get(control + "/_sim/stats");
            long now = stats.get("published").asLong();
            if (now == last && now > 0) return stats;
            last = now;
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
            Thread.sleep(5);
            if (System.nanoTime() - since > Duration.ofMinutes(5).toNanos()) throw new IllegalStateException("live benchmark timed out");
        }
    }
}
