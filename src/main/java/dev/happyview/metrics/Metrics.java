package dev.happyview.metrics;

import dev.happyview.api.Routes;
import dev.happyview.protocol.xrpc.ClientStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The Prometheus registry and the service's meters ({@code happyview_*}, listed in docs/metrics.md). Components
 * report through the small typed methods here, so meter names live in one place. {@code GET /metrics} is public,
 * like most exporters: expose the port only to the scraper's network.
 */
public final class Metrics implements Routes.Module, AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer dbBatch;
    private final Set<String> hostMeters = ConcurrentHashMap.newKeySet();
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();
    /** Micrometer holds function meters' state objects weakly; these suppliers must live as long as the registry. */
    private final List<Object> keepAlive = new CopyOnWriteArrayList<>();
    private ClientStats clientStats;

    /** Binders that hold listeners or a JFR stream until closed (several services can live in one JVM, as in tests). */
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final VirtualThreadMetrics virtualThreadMetrics = new VirtualThreadMetrics();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        virtualThreadMetrics.bindTo(registry);
        dbBatch = Timer.builder("happyview_db_batch").description("Record writer batches").register(registry);
    }

    /** A record batch written in {@code d}. */
    public void dbBatch(Duration d) {
        dbBatch.record(d);
    }

    /** Jobs by status and repos by state, read at scrape time. */
    public void backfill(Supplier<Map<String, Long>> jobsByStatus, Supplier<Map<String, Long>> reposByState) {
        multiGauge("happyview_backfill_jobs", "status", jobsByStatus);
        multiGauge("happyview_backfill_repos", "state", reposByState);
    }

    /** Records written, read from the writer's counter at scrape time. */
    public void recordsWritten(Supplier<Long> total) {
        keepAlive.add(total);
        FunctionCounter.builder("happyview_records_written", total, s -> s.get()).register(registry);
    }

    /** Outbound requests per host and status, 429s and time spent waiting for hosts. */
    public void httpClient(ClientStats stats) {
        this.clientStats = stats;
        FunctionCounter.builder("happyview_http_client_rate_limited", stats, ClientStats::rateLimited).register(registry);
        FunctionCounter.builder("happyview_http_client_wait_seconds", stats, s -> s.rateLimitWaitMillis() / 1000.0)
                .register(registry);
    }

    /** Tap consumer progress. */
    public void tap(Supplier<Long> eventsApplied, Supplier<Long> deadLetters) {
        keepAlive.add(eventsApplied);
        keepAlive.add(deadLetters);
        FunctionCounter.builder("happyview_tap_events_applied", eventsApplied, s -> s.get()).register(registry);
        Gauge.builder("happyview_tap_dead_letters", deadLetters, s -> s.get()).register(registry);
    }

    /** Live source progress: events applied and buffered, refused, the recent p99 lag, gaps found. */
    public void live(Supplier<Long> applied, Supplier<Long> buffered, Supplier<Long> refused, Supplier<Double> lagP99Seconds,
            Supplier<Long> gaps) {
        keepAlive.addAll(List.of(applied, buffered, refused, lagP99Seconds, gaps));
        FunctionCounter.builder("happyview_live_events_applied", applied, s -> s.get()).register(registry);
        FunctionCounter.builder("happyview_live_events_buffered", buffered, s -> s.get()).register(registry);
        FunctionCounter.builder("happyview_live_events_refused", refused, s -> s.get()).register(registry);
        Gauge.builder("happyview_live_lag_p99_seconds", lagP99Seconds, s -> s.get())
                .description("99th percentile of event time to committed write, last minute").register(registry);
        FunctionCounter.builder("happyview_live_gaps", gaps, s -> s.get()).register(registry);
    }

    /**
     * The verified firehose: commits verified and events ignored as stale (this process), events refused by kind and
     * resyncs started by the kind of gap that asked for them (from the database).
     */
    public void firehose(Supplier<Long> verified, Supplier<Long> stale, Supplier<Map<String, Long>> rejectedByKind,
            Supplier<Map<String, Long>> resyncsByKind) {
        keepAlive.addAll(List.of(verified, stale));
        FunctionCounter.builder("happyview_firehose_verified", verified, s -> s.get())
                .description("Commits and syncs whose signature and ops verified").register(registry);
        FunctionCounter.builder("happyview_firehose_stale", stale, s -> s.get())
                .description("Events at or below their repo's stored rev, ignored").register(registry);
        multiGauge("happyview_firehose_rejected", "kind", rejectedByKind);
        multiGauge("happyview_firehose_resyncs", "kind", resyncsByKind);
    }

    /** Repos by sync state (synchronized, backfilling, desynchronized), read at scrape time. */
    public void repoSync(Supplier<Map<String, Long>> reposByState) {
        multiGauge("happyview_repos_sync", "state", reposByState);
    }

    /** A gauge per tag value, refreshed from the database at each scrape. */
    private void multiGauge(String name, String tag, Supplier<Map<String, Long>> values) {
        var gauge = MultiGauge.builder(name).register(registry);
        beforeScrape.add(() -> {
            try {
                gauge.register(values.get().entrySet().stream()
                        .map(e -> MultiGauge.Row.of(Tags.of(tag, e.getKey()), e.getValue()))
                        .toList(), true);
            } catch (RuntimeException e) {
                // database away: keep the last values
            }
        });
    }

    /** Per-host request counters appear as hosts are first contacted. */
    private void syncHostMeters() {
        if (clientStats == null) return;
        clientStats.requestsByHostAndStatus().forEach((host, byStatus) -> byStatus.keySet().forEach(status -> {
            if (hostMeters.add(host + " " + status)) {
                FunctionCounter.builder("happyview_http_client_requests", clientStats,
                                s -> s.requestsByHostAndStatus().getOrDefault(host, Map.of()).getOrDefault(status, 0L))
                        .tags("host", host, "status", Integer.toString(status)).register(registry);
            }
        }));
    }

    public String scrape() {
        syncHostMeters();
        beforeScrape.forEach(Runnable::run);
        return registry.scrape();
    }

    @Override
    public void register(Routes routes) {
        routes.publicRoutes().get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape()));
    }

    @Override
    public void close() {
        gcMetrics.close();
        virtualThreadMetrics.close();
        registry.close();
    }
}
