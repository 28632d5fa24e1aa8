package dev.happyview.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

/**
 * An operator's dashboard during a benchmark run: polls the admin API's status routes one after another (each a few
 * times per second) while the backfill runs, and reports how long the answers took. The probe shares the cores with
 * the run, as a dashboard would.
 */
final class ApiLatencyProbe implements AutoCloseable {
    /** Latencies in ms per route, and the answers that were not 200. */
    record Summary(Map<String, long[]> millisByRoute, int errors) {
        String describe() {
            return describe("the run");
        }

        String describe(String during) {
            long[] all = millisByRoute.values().stream().flatMapToLong(Arrays::stream).sorted().toArray();
            if (all.length == 0) return "admin API: no answer during the run";
            var sb = new StringBuilder(String.format("admin API during %s: %d requests, p50 %d ms, p99 %d ms, max %d ms",
                    during, all.length, percentile(all, 50), percentile(all, 99), all[all.length - 1]));
            if (errors > 0) sb.append(String.format(" (%d not 200)", errors));
            millisByRoute.forEach((route, ms) -> {
                long[] sorted = ms.clone();
                Arrays.sort(sorted);
                if (sorted.length > 0) {
                    sb.append(String.format("%n    %-28s p50 %4d ms  p99 %4d ms  max %4d ms", route, percentile(sorted, 50),
                            percentile(sorted, 99), sorted[sorted.length - 1]));
                }
            });
            return sb.toString();
        }

        /** The answers of several runs as one sample: with some fifty answers a run, one run's "p99" is its slowest. */
        static Summary pooled(List<Summary> runs) {
            var byRoute = new LinkedHashMap<String, long[]>();
            int errors = 0;
            for (Summary run : runs) {
                errors += run.errors();
                run.millisByRoute().forEach((route, ms) -> byRoute.merge(route, ms, (a, b) -> LongStream.concat(
                        Arrays.stream(a), Arrays.stream(b)).toArray()));
            }
            return new Summary(byRoute, errors);
        }

        static long percentile(long[] sorted, int p) {
            int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.clamp(i, 0, sorted.length - 1)];
        }
    }

    private static final Duration INTERVAL = Duration.ofMillis(75);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, URI> routes = new LinkedHashMap<>();
    private final Map<String, List<Long>> samples = new LinkedHashMap<>();
    private final String apiKey;
    private final Thread thread;
    private volatile boolean running = true;
    private int errors;

    ApiLatencyProbe(int port, String apiKey, UUID jobId, String collection) {
        this.apiKey = apiKey;
        String base = "http://127.0.0.1:" + port;
        routes.put("/admin/backfill/status", URI.create(base + "/admin/backfill/status"));
        routes.put("/admin/backfill/{id}", URI.create(base + "/admin/backfill/" + jobId));
        routes.put("/admin/records", URI.create(base + "/admin/records?limit=20&collection="
                + URLEncoder.encode(collection, StandardCharsets.UTF_8)));
        routes.put("/admin/stats", URI.create(base + "/admin/stats"));
        routes.keySet().forEach(r -> samples.put(r, new ArrayList<>()));
        thread = Thread.ofPlatform().daemon().name("api-latency-probe").start(this::poll);
    }

    private void poll() {
        while (running) {
            for (var route : routes.entrySet()) {
                if (!running) return;
                long t0 = System.nanoTime();
                try {
                    var resp = http.send(HttpRequest.newBuilder(route.getValue()).header("Authorization", "Bearer " + apiKey)
                            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    synchronized (samples) {
                        samples.get(route.getKey()).add(ms);
                        if (resp.statusCode() != 200) errors++;
                    }
                    Thread.sleep(INTERVAL);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    synchronized (samples) {
                        errors++;
                    }
                }
            }
        }
    }

    /** Stops polling and summarizes. */
    Summary stop() {
        running = false;
        try {
            thread.join(35_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        var out = new LinkedHashMap<String, long[]>();
        synchronized (samples) {
            samples.forEach((route, ms) -> out.put(route, ms.stream().mapToLong(Long::longValue).toArray()));
            return new Summary(out, errors);
        }
    }

    @Override
    public void close() {
        running = false;
        http.close();
    }
}
