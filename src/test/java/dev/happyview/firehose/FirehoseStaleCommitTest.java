package dev.happyview.firehose;

import static dev.happyview.firehose.FirehoseIndexingTest.POSTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.happyview.live.LiveSource;
import dev.happyview.simnet.FirehoseServer;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Commits that reach the service after a fetch of a newer state of their repo (a lagging stream, a buffered event, a
 * relay resending an old commit): such a commit must not bring back a record the fetch no longer saw — the fetch left
 * no tombstone for a record it never saw — when the commit that deleted it cannot be read (a {@code #sync} instead,
 * {@code tooBig}).
 */
class FirehoseStaleCommitTest {
    /** The relay sends an error frame instead of every event: the service reconnects and makes no progress. */
    static final FirehoseServer.Faults HELD = new FirehoseServer.Faults(0, 0, 0, 0, 0, 0, 0, 1, 0);
    /** Held, and the next commit is sent as a {@code #sync} of the new state (a silent rebase). */
    static final FirehoseServer.Faults HELD_REBASE = new FirehoseServer.Faults(0, 0, 0, 0, 1, 0, 0, 1, 0);
    /** Held, and the next commit is sent as {@code tooBig}, without its ops. */
    static final FirehoseServer.Faults HELD_TOO_BIG = new FirehoseServer.Faults(0, 0, 0, 0, 0, 1, 0, 1, 0);

    static SimNetwork network() throws Exception {
        return SimNetwork.start(Scenario.builder().seed(5).repos(2).pdsHosts(1).collections(POSTS).smallMax(5).latencyMs(1).build());
    }

    /** Backfilled, connected, and one commit of {@code warm} through the stream: from then on it resumes from its cursor. */
    static void ready(TestApp app, SimNetwork net, FirehoseServer fh, String warm) {
        FirehoseIndexingTest.upload(app, POSTS);
        await().atMost(Duration.ofSeconds(30)).until(() -> app.app().live().source().status().state() == LiveSource.State.CONNECTED
                && fh.connected() > 0);
        FirehoseIndexingTest.awaitJobsEnded(app);
        net.createRecord(warm, POSTS, JsonNodeFactory.instance.objectNode().put("text", "first"));
        await().atMost(Duration.ofSeconds(30)).until(() -> cursor(app) > 0);
        FirehoseIndexingTest.awaitIndexEqualsNetwork(app, net, Set.of(POSTS), Duration.ofSeconds(30));
    }

    static long cursor(TestApp app) {
        return app.get("/admin/live", TestApp.ADMIN_KEY).json().path("cursor").asLong();
    }

    /** While the stream is held back: a record created, then deleted by a commit sent with the {@code deleted} faults. */
    static String createdAndDeleted(SimNetwork net, FirehoseServer fh, String did, FirehoseServer.Faults deleted) {
        fh.faults(HELD);
        String uri = net.createRecord(did, POSTS, JsonNodeFactory.instance.objectNode().put("text", "short-lived"));
        fh.faults(deleted);
        net.deleteRecord(uri);
        fh.faults(HELD);
        return uri;
    }

    static void backfill(TestApp app, String did, String body) {
        var r = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"did\": \"" + did + "\", " + body + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        FirehoseIndexingTest.awaitJobsEnded(app);
    }

    static void release(TestApp app, FirehoseServer fh) {
        fh.faults(FirehoseServer.Faults.NONE);
        long last = fh.lastSeq();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> cursor(app) >= last);
    }

    @Test
    void aCreateOlderThanAPruningFetchDoesNotBringBackTheRecordItsRebasedDeleteRemoved() throws Exception {
        try (var net = network(); var fh = FirehoseServer.start(net, 10_000);
                var app = TestApp.start(FirehoseIndexingTest.config(net, fh, TestPostgres.newDatabaseUrl()))) {
            String did = net.dids().getFirst();
            ready(app, net, fh, did);
            String uri = createdAndDeleted(net, fh, did, HELD_REBASE);
            // A resync's fetch: the whole signed repo after the delete, pruning; the record is in neither it nor the index.
            backfill(app, did, "\"prune\": true, \"strategy\": \"get-repo\"");
            assertThat(app.indexedRecords()).doesNotContainKey(uri);

            release(app, fh); // the create is older than the fetch, the #sync no newer
            assertThat(app.indexedRecords()).doesNotContainKey(uri).isEqualTo(net.groundTruth(Set.of(POSTS), null).records());
            assertThat(app.get("/admin/live", TestApp.ADMIN_KEY).json().get("verification").get("stale_ignored").asLong())
                    .as("the create and the #sync were seen, as stale").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void afterAListingAStaleTooBigCommitIsAGapSinceItMayHideADelete() throws Exception {
        try (var net = network(); var fh = FirehoseServer.start(net, 10_000);
                var app = TestApp.start(FirehoseIndexingTest.config(net, fh, TestPostgres.newDatabaseUrl()))) {
            String warm = net.dids().get(0);
            String did = net.dids().get(1); // no commit of it chained yet: its rev is a backfill's, its MST root unknown
            ready(app, net, fh, warm);
            String uri = createdAndDeleted(net, fh, did, HELD_TOO_BIG);
            // A listing after the delete: it does not hold the record, and says nothing about deletes.
            backfill(app, did, "\"strategy\": \"list-records\"");
            assertThat(app.indexedRecords()).doesNotContainKey(uri);

            // The create is applied (the listing may not have covered its collection), the tooBig delete cannot be
            // read: a resync repairs the repo.
            release(app, fh);
            FirehoseIndexingTest.awaitIndexEqualsNetwork(app, net, Set.of(POSTS), Duration.ofSeconds(30));
            assertThat(app.get("/admin/live/resyncs", TestApp.ADMIN_KEY).json().get("by_kind").path("too_big_commit").asLong())
                    .isEqualTo(1);
        }
    }
}
