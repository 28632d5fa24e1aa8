package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.App;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.firehose.FirehoseStats;
import dev.happyview.live.LivePipeline;
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
 * The verified firehose as the service runs it ({@code LIVE_SOURCE=firehose}), with the simulated network and its
 * relay in a child process on the same cores: the network changes for a while with nobody listening (a recorded
 * stream of signed sync-1.1 commits); then the service, its cursor at the stream's start, replays all of it — frames
 * read from the socket, every commit verified (signature, ops inverted on the slice to {@code prevData}), chained on
 * the repo's stored rev and root, written to Postgres with the cursor. Printed: events per second from the
 * connection to the last cursor saved, and the CPU per event by stage (thread CPU time of parsing, verification and
 * the applier's side of writing; the Postgres server's CPU; the whole service process).
 */
final class FirehoseReplayBenchmark {
    private static final String POSTS = BenchScenario.POSTS;
    private static final String LIKES = BenchScenario.LIKES;

    private FirehoseReplayBenchmark() {}

    static void run(EmbeddedPostgresServer pg, PrintStream out, double recordRate, int recordSeconds) throws Exception {
        var args = List.of("--seed", "7", "--repos", "2000", "--pds", "8", "--collections", POSTS + "," + LIKES);
        try (var net = SimnetProcess.startCompiled(args); var http = HttpClient.newHttpClient()) {
            String control = "http://" + net.info().get("jetstream_url").asText().substring("ws://".length());
            String relay = net.info().get("firehose_url").asText();
            String relayStats = "http://" + relay.substring("ws://".length()) + "/_sim/stats";
            post(http, control + "/_sim/mutate?rate=" + recordRate + "&seconds=" + recordSeconds, null);
            long lastSeq = awaitQuiet(net, relayStats).get("last_seq").asLong();
            Config config = ReplayDatabase.withRecordLexicons(pg, net, http, List.of(POSTS, LIKES));
            // The service as after a pause: its cursor at the stream's start, so it replays everything recorded.
            try (var c = DriverManager.getConnection(config.get(Setting.DATABASE_URL)); var st = c.prepareStatement(
                    "INSERT INTO live_cursors (source, partition, cursor) VALUES ('firehose', ?, 0)")) {
                for (int p = 0; p < LivePipeline.PARTITIONS; p++) {
                    st.setInt(1, p);
                    st.executeUpdate();
                }
            }
            try (var app = App.start(config.with(Setting.LIVE_SOURCE, "firehose").with(Setting.FIREHOSE_URL, relay))) {
                FirehoseStats stats = app.firehose().stats();
                await(() -> app.live().source().status().connectedSince() != null);
                CpuTime cpu0 = CpuTime.now(net.pid());
                long parse0 = stats.parseNanos();
                long verify0 = stats.verifyNanos();
                long apply0 = stats.applyNanos();
                long t0 = System.nanoTime();
                await(() -> {
                    try {
                        return app.live().cursors().resumePoint("firehose").orElse(0) >= lastSeq;
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long ms = (System.nanoTime() - t0) / 1_000_000;
                CpuTime.Spent spent = CpuTime.now(net.pid()).since(cpu0);
                long frames = stats.frames();
                long verified = stats.verified();
                out.printf("%n[firehose replay: a recorded relay firehose of %,d events (%s changes/s for %d s over 2,000 repos),"
                        + " verified and written]%n", lastSeq, String.format("%,.0f", recordRate), recordSeconds);
                out.printf("  replayed in %,d ms from the connection to the last cursor saved: %,.0f events/s"
                        + " (%,d frames read, %,d commits verified, %,d stale, rejected %s)%n",
                        ms, lastSeq / (ms / 1000.0), frames, verified, stats.stale(), stats.rejected());
                out.printf("  CPU per event (thread time): parsing %.1f µs, verification %.1f µs, writing (applier) %.1f µs;"
                        + " Postgres %.1f µs; whole service process %.1f µs%n",
                        perEvent(stats.parseNanos() - parse0, frames), perEvent(stats.verifyNanos() - verify0, frames),
                        perEvent(stats.applyNanos() - apply0, frames), perEvent(spent.postgres().toNanos(), frames),
                        perEvent(spent.service().toNanos(), frames));
                out.printf("  %s%n", spent.describe(lastSeq));
            }
        }
    }

    private static double perEvent(long nanos, long events) {
        return nanos / 1000.0 / Math.max(1, events);
    }

    /** Waits until the simulated relay has published nothing new for two seconds; returns its counters. */
    private static JsonNode awaitQuiet(SimnetProcess net, String stats) throws Exception {
        long last = -1;
        while (true) {
            Thread.sleep(2000);
            JsonNode now = net.get(stats);
            long seq = now.get("last_seq").asLong();
            if (seq == last && seq > 0) return now;
            last = seq;
        }
    }

    private static void post(HttpClient http, String url, String body) throws Exception {
        var req = HttpRequest.newBuilder(URI.create(url))
                .POST(body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) req.header("Authorization", "Bearer " + ScenarioRun.API_KEY);
        var resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() >= 300) throw new IllegalStateException("POST " + url + ": " + resp.statusCode() + " " + resp.body());
    }

    private static void await(BooleanSupplier done) throws InterruptedException {
        long since = System.nanoTime();
        while (!done.getAsBoolean()) {
            Thread.sleep(5);
            if (System.nanoTime() - since > Duration.ofMinutes(10).toNanos()) throw new IllegalStateException("firehose replay timed out");
        }
    }
}
