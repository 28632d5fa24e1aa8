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

/** The closing empty page of a listing is skipped only where the host has earned it, and the index stays exact. */
class ListingShortPagesTest {

    static TestApp app(MiniNetwork net) {
        return TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relay.url()).with(Setting.PLC_URL, net.plc.url())
                .with(Setting.BACKFILL_STRATEGY, "list-records").with(Setting.BACKFILL_CONCURRENCY, "2"));
    }

    static JsonNode backfill(TestApp app) {
        uploadRecordLexicon(app, COLLECTION);
        String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}")
                .json().get("id").asText();
        return awaitEnd(app, id);
    }

    @Test
    void aHostPagingLikeTheReferencePdsIsAskedForNoClosingPagesOnceItEarnedTrust() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 40, 150); var app = app(net)) {
            assertThat(backfill(app).get("status").asText()).isEqualTo("completed");
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            // 150 records = a full page and a short one; the closing page is read to earn trust, then on samples only.
            long withClosingPage = net.repos.keySet().stream().filter(d -> net.pdsRequestsFor(d) == 3).count();
            assertThat(net.repos.keySet()).allSatisfy(d -> assertThat(net.pdsRequestsFor(d)).isBetween(2L, 3L));
            assertThat(withClosingPage).isBetween((long) ListingEnds.CONFIRMATIONS, (long) ListingEnds.CONFIRMATIONS + 3);
        }
    }

    @Test
    void aHostThatPagesShortMidListingAfterEarningTrustHasItsFinishedReposFetchedAgain() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 60, 150); var app = app(net)) {
            // After about ten repos (trust earned on the first three), pages after the first hold 30 records at most:
            // a trusted host's short page is then not the end, and until a sampled check catches it, repos finish
            // with 20 records missing.
            net.laterPagesCap = 30;
            net.capLaterPagesFrom = 30;
            assertThat(backfill(app).get("status").asText()).isEqualTo("completed");
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
        }
    }
}
