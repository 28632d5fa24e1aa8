package dev.happyview.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.backfill.BackfillEngineTestAccess;
import dev.happyview.testing.TestApp;
import org.junit.jupiter.api.Test;

/** {@code /metrics} is scraped over HTTP after a backfill and shows the service's meters with real values. */
class MetricsTest {
    @Test
    void aScrapeAfterABackfillShowsJobsReposRecordsRequestsAndBatches() throws Exception {
        try (var run = BackfillEngineTestAccess.completedBackfill()) {
            TestApp app = run.app();
            var scrape = app.get("/metrics", null);
            assertThat(scrape.status()).isEqualTo(200);
            String body = scrape.body();
            assertThat(body).contains("happyview_backfill_jobs{status=\"completed\"} 1.0");
            assertThat(body).containsPattern("happyview_backfill_repos\\{state=\"completed\"\\} [1-9]");
            assertThat(body).containsPattern("happyview_records_written_total [1-9]");
            assertThat(body).containsPattern("happyview_http_client_requests_total\\{host=\"http://127.0.0.1:\\d+\",status=\"200\"\\} [1-9]");
            assertThat(body).contains("happyview_http_client_rate_limited_total");
            assertThat(body).containsPattern("happyview_db_batch_seconds_count [1-9]");
            assertThat(body).contains("jvm_memory_used_bytes");
        }
    }
}
