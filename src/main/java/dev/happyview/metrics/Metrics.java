package dev.happyview.metrics;

import dev.happyview.api.Routes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's Prometheus metrics ({@code happyview_*} plus JVM meters), scraped at {@code GET /metrics}. The route is
 * public: expose the port only on a private network or put it behind a proxy. Names are listed in docs/metrics.md.
 */
public final class Metrics implements Routes.Module, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Metrics.class);
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final HostTags hosts = new HostTags(200);
    private final Counter recordsWritten;
    private final Timer dbBatch;
    private final Timer rateLimitWait;
    private final AtomicLong tapLag = new AtomicLong();
    private final List<Runnable> refreshers = new CopyOnWriteArrayList<>();

    public Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        recordsWritten = Counter.builder("happyview.records.written")
                .description("Records written to the records table").register(registry);
        dbBatch = Timer.builder("happyview.db.batch")
                .description("Duration of one record write batch").register(registry);
        rateLimitWait = Timer.builder("happyview.rate.limit.wait")
                .description("Time spent waiting for a host's rate limit budget").register(registry);
        Gauge.builder("happyview.tap.lag", tapLag, AtomicLong::get)
                .description("Events the Tap consumer is behind").register(registry);
    }

    /** Gauge {@code happyview_backfill_jobs{status}}: jobs per status, read at each scrape. */
    public Metrics jobsByStatus(Supplier<Map<String, Long>> counts) {
        return multiGauge("happyview.backfill.jobs", "status", "Backfill jobs by status", counts);
    }

    /** Gauge {@code happyview_backfill_repos{state}}: per-repo outcomes by state, read at each scrape. */
    public Metrics reposByState(Supplier<Map<String, Long>> counts) {
        return multiGauge("happyview.backfill.repos", "state", "Backfill repos by state", counts);
    }

    public void recordsWritten(long n) {
        if (n > 0) recordsWritten.increment(n);
    }

    public void dbBatch(Duration d) {
        dbBatch.record(d);
    }

    /** One outbound HTTP response (status 0 for a transport failure) from a PDS, PLC, relay or Tap host. */
    public void httpRequest(String host, int status) {
        registry.counter("happyview.http.client.requests", "host", hosts.tag(host), "status", Integer.toString(status))
                .increment();
    }

    public void rateLimited(String host) {
        registry.counter("happyview.rate.limited", "host", hosts.tag(host)).increment();
    }

    public void rateLimitWait(Duration d) {
        rateLimitWait.record(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    public void tapLag(long events) {
        tapLag.set(events);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition, after refreshing the supplied gauges. */
    public String scrape() {
        refreshers.forEach(Runnable::run);
        return registry.scrape();
    }

    @Override
    public void register(Routes routes) {
        routes.publicRoutes().get("/metrics", ctx -> ctx.contentType(CONTENT_TYPE).result(scrape()));
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    private Metrics multiGauge(String name, String tag, String description, Supplier<Map<String, Long>> counts) {
        var gauge = MultiGauge.builder(name).description(description).register(registry);
        refreshers.add(() -> {
            Map<String, Long> now;
            try {
                now = counts.get();
            } catch (RuntimeException e) {
                log.warn("metrics: could not read {}: {}", name, e.toString());
                return;
            }
            gauge.register(now.entrySet().stream()
                    .map(e -> MultiGauge.Row.of(Tags.of(tag, e.getKey()), e.getValue()))
                    .toList(), true);
        });
        return this;
    }
}
