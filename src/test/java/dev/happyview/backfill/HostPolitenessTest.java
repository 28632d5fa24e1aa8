package dev.happyview.backfill;

import static dev.happyview.backfill.BackfillEngineTest.COLLECTION;
import static dev.happyview.backfill.BackfillEngineTest.awaitEnd;
import static dev.happyview.backfill.BackfillEngineTest.indexed;
import static dev.happyview.backfill.BackfillEngineTest.uploadRecordLexicon;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.testing.TestApp;
import org.junit.jupiter.api.Test;

/**
 * The service with its default settings toward one PDS that announces no rate limit, measured at the PDS: never more
 * than {@code BACKFILL_HOST_CONCURRENCY} (8) requests at once, and that many while there is work. The default rate
 * after the burst is measured on the client alone ({@code protocol.xrpc.HostLimitsTest}): through the whole service
 * this machine cannot always use up a burst of 300 fast enough to reach it.
 */
class HostPolitenessTest {
    static final int CONCURRENCY = Integer.parseInt(Setting.BACKFILL_HOST_CONCURRENCY.defaultValue);

    @Test
    void aHostWithoutAnnouncedLimitsGetsTheDefaultConcurrency() throws Exception {
        // 60 repos × (getLatestCommit, two pages of 100 and 50 records), 40 ms each, and the empty page that ends a
        // listing where the short page cannot be taken as the end yet (ListingEnds: at least the confirmations).
        try (var net = new MiniNetwork(COLLECTION, 60, 150); var app = BackfillEngineTest.app(net)) {
            net.pdsLatencyMillis = 40;
            uploadRecordLexicon(app, COLLECTION);
            JsonNode job = awaitEnd(app, app.post("/admin/backfill", TestApp.ADMIN_KEY,
                    "{\"collection\":\"" + COLLECTION + "\"}").json().get("id").asText());
            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            assertThat(net.pds.requests()).hasSizeBetween(180 + ListingEnds.CONFIRMATIONS, 240);
            System.out.printf("host politeness: %d requests to one PDS, at most %d at once (limit %d)%n",
                    net.pds.requests().size(), net.pdsMostInFlight.get(), CONCURRENCY);
            assertThat(net.pdsMostInFlight.get()).as("requests in flight at once").isEqualTo(CONCURRENCY);
        }
    }
}
