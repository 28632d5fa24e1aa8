package dev.happyview.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.testing.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void metricsAreScrapedOverHttpWithoutAKey() throws Exception {
        try (var app = TestApp.start()) {
            var m = app.app().metrics();
            m.recordsWritten(42);
            m.dbBatch(Duration.ofMillis(12));
            m.httpRequest("pds.example.com", 200);
            m.httpRequest("pds.example.com", 429);
            m.rateLimited("pds.example.com");
            m.rateLimitWait(Duration.ofMillis(300));
            m.tapLag(7);
            app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"did\":\"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa\"}");

            try (var http = HttpClient.newHttpClient()) {
                var resp = http.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(resp.statusCode()).isEqualTo(200);
                assertThat(resp.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
                String body = resp.body();
                assertThat(body).contains(
                        "happyview_records_written_total 42.0",
                        "happyview_db_batch_seconds_count 1",
                        "happyview_http_client_requests_total{host=\"pds.example.com\",status=\"429\"} 1.0",
                        "happyview_rate_limited_total{host=\"pds.example.com\"} 1.0",
                        "happyview_rate_limit_wait_seconds_sum 0.3",
                        "happyview_tap_lag 7.0",
                        "happyview_backfill_jobs{status=",
                        "jvm_memory_used_bytes",
                        "jvm_threads_live_threads",
                        "process_uptime_seconds");
            }
        }
    }

    @Test
    void gaugesFollowTheirSuppliersAndHostTagsAreBounded() {
        try (var m = new Metrics()) {
            var counts = new java.util.concurrent.atomic.AtomicReference<Map<String, Long>>(Map.of("running", 2L));
            m.jobsByStatus(counts::get).reposByState(() -> Map.of("failed", 3L));
            assertThat(m.scrape()).contains("happyview_backfill_jobs{status=\"running\"} 2.0",
                    "happyview_backfill_repos{state=\"failed\"} 3.0");
            counts.set(Map.of("completed", 1L));
            String s = m.scrape();
            assertThat(s).contains("happyview_backfill_jobs{status=\"completed\"} 1.0")
                    .doesNotContain("happyview_backfill_jobs{status=\"running\"}");
            for (int i = 0; i < 250; i++) m.httpRequest("h" + i + ".example", 200);
            assertThat(m.scrape()).contains("host=\"other\"").doesNotContain("host=\"h249.example\"");
        }
    }
}
