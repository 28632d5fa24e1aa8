package dev.happyview.firehose;

import static dev.happyview.live.LiveServiceKilledTest.count;
import static dev.happyview.live.LiveServiceKilledTest.get;
import static dev.happyview.live.LiveServiceKilledTest.killTwice;
import static dev.happyview.live.LiveServiceKilledTest.rows;
import static dev.happyview.live.LiveServiceKilledTest.serviceEnv;
import static dev.happyview.live.LiveServiceKilledTest.stopChanges;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.Json;
import dev.happyview.simnet.FirehoseServer;
import dev.happyview.simnet.LiveMutator;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestPostgres;
import java.net.http.HttpClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The whole service, backfilling and indexing the verified firehose while the network changes, is killed with SIGKILL
 * twice; each time a new process on the same database resumes the job and the stream from the saved sequence number.
 * Once the changes stop the index equals the network, and no repo's chain broke: every commit after a restart chained
 * on the state the killed process had committed, so no event was lost (a lost one breaks the chain of its repo, and
 * its resync would hide the loss from the comparison) and none applied twice changed anything. Accounts the changes
 * deleted before the stream was followed are recorded as deleted from their host's answer, not resynced in vain.
 */
class FirehoseServiceKilledTest {
    static final String POSTS = FirehoseIndexingTest.POSTS;
    static final String LIKES = FirehoseIndexingTest.LIKES;

    @Test
    void killedTwiceWhileBackfillingAndStreamingItEndsEqualToTheNetworkWithNoChainBroken() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = SimNetwork.start(FirehoseIndexingTest.scenario(43).toBuilder().latencyMs(15).build());
                var fh = FirehoseServer.start(net, 1_000_000);
                var http = HttpClient.newHttpClient();
                Connection c = DriverManager.getConnection(db)) {
            Map<String, String> env = serviceEnv(db, net, "firehose", "FIREHOSE_URL", fh.url());
            // Changes go on until both kills are done, however slow the machine is today.
            var mutator = LiveMutator.start(net, 60, Duration.ofMinutes(5), 13);
            killTwice(env, http, c, 200, POSTS, LIKES); // 200 events: a few seconds of changes
            try (var third = ServiceProcess.start(env)) {
                stopChanges(mutator);
                var expected = net.groundTruth(Set.of(POSTS, LIKES), null).records();
                try {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).until(() -> rows(c).equals(expected));
                } catch (ConditionTimeoutException e) {
                    var actual = rows(c);
                    throw new AssertionError("differs: " + expected.keySet().stream().filter(k -> !expected.get(k).equals(actual.get(k))).limit(3).toList()
                            + " / extra " + actual.keySet().stream().filter(k -> !expected.containsKey(k)).limit(3).toList()
                            + "\nresyncs: " + get(http, third.url() + "/admin/live/resyncs")
                            + "\n" + String.join("\n", third.output()), e);
                }
                // Only a broken chain counts: a repo whose account the changes deleted or moved before its backfill
                // reached it fails that fetch, and is resynced for that reason ("other").
                assertThat(count(c, "SELECT count(*) FROM live_resyncs WHERE kind <> 'other'"))
                        .as("resyncs for a broken chain (a lost event breaks its repo's): "
                                + get(http, third.url() + "/admin/live/resyncs"))
                        .isZero();
                assertThat(count(c, "SELECT count(*) FROM live_rejections")).as("nothing refused: the relay forged nothing").isZero();
                // A repo whose account went before the stream was followed: its host's RepoNotFound is recorded as the
                // account's status, so it is not resynced again and again (one resync may start before it is recorded).
                try (var st = c.createStatement(); var rs = st.executeQuery(
                        "SELECT did, account_status, resync_count, reason FROM repo_sync WHERE state <> 'synchronized'")) {
                    while (rs.next()) {
                        String row = rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3) + " " + rs.getString(4);
                        assertThat(net.accountDeleted(rs.getString(1))).as(row).isTrue();
                        assertThat(rs.getString(2)).as(row).isEqualTo("deleted");
                        assertThat(rs.getInt(3)).as(row).isLessThanOrEqualTo(1);
                    }
                }
                assertThat(count(c, "SELECT count(*) FROM live_buffer")).isZero();
                var jobs = Json.MAPPER.readTree(get(http, third.url() + "/admin/backfill/status"));
                jobs.forEach(j -> assertThat(j.get("status").asText()).isEqualTo("completed"));
            }
        }
    }
}
