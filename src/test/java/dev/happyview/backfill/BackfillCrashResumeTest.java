package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.Json;
import dev.happyview.testing.ServiceProcess;
import dev.happyview.testing.TestApp;
import dev.happyview.testing.TestPostgres;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A real service process is killed with SIGKILL in the middle of fetching; a new one finishes the job exactly. */
class BackfillCrashResumeTest {
    static final String COLLECTION = "com.example.feed.post";

    @Test
    void aKilledProcessResumesWithoutLosingOrRefetchingAnything() throws Exception {
        String db = TestPostgres.newDatabaseUrl();
        try (var net = new MiniNetwork(COLLECTION, 60, 300)) {
            net.pdsLatencyMillis = 40;
            Map<String, String> env = Map.of("DATABASE_URL", db, "ADMIN_API_KEY", TestApp.ADMIN_KEY,
                    "ALLOW_PRIVATE_NETWORK", "true", "RELAY_URL", net.relay.url(), "PLC_URL", net.plc.url(),
                    "BACKFILL_LEASE_SECONDS", "4", "BACKFILL_CONCURRENCY", "6", "BACKFILL_STRATEGY", "list-records");
            String jobId;
            Set<String> completedBeforeKill;
            long killedAt;
            try (var first = ServiceProcess.start(env); Connection c = DriverManager.getConnection(db)) {
                BackfillCrashResumeTest.send(first.url() + "/admin/lexicons", BackfillEngineTest.lexiconUpload(COLLECTION, false), 201);
                jobId = post(first.url() + "/admin/backfill", "{\"collection\":\"" + COLLECTION + "\"}");
                await().atMost(Duration.ofSeconds(60)).until(() -> completed(c, jobId).size() >= 10);
                first.kill();
                killedAt = System.currentTimeMillis();
                completedBeforeKill = completed(c, jobId);
                assertThat(completedBeforeKill.size()).isLessThan(60);
            }
            try (var second = ServiceProcess.start(env); Connection c = DriverManager.getConnection(db)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> status(c, jobId).equals("completed"));
                var rows = new HashMap<String, String>();
                try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri, cid FROM records")) {
                    while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
                }
                assertThat(rows).isEqualTo(net.groundTruth());
                try (var st = c.prepareStatement(
                        "SELECT total_repos, processed_repos, total_records FROM backfill_jobs WHERE id = ?::uuid")) {
                    st.setString(1, jobId);
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        assertThat(rs.getInt(1)).isEqualTo(60);
                        assertThat(rs.getInt(2)).isEqualTo(60);
                        assertThat(rs.getLong(3)).isEqualTo(60 * 300);
                    }
                }
                // Repos finished before the kill were not fetched again.
                for (String did : completedBeforeKill) {
                    String needle = "repo=" + URLEncoder.encode(did, StandardCharsets.UTF_8);
                    long after = net.pds.requests().stream()
                            .filter(r -> r.path().contains(needle) && r.atMillis() > killedAt).count();
                    assertThat(after).as(did).isZero();
                }
            }
        }
    }

    static String post(String url, String body) throws Exception {
        return Json.MAPPER.readTree(send(url, body, 201)).get("id").asText();
    }

    static String send(String url, String body, int expectedStatus) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var resp = http.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + TestApp.ADMIN_KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as(resp.body()).isEqualTo(expectedStatus);
            return resp.body();
        }
    }

    static Set<String> completed(Connection c, String jobId) throws Exception {
        var dids = new HashSet<String>();
        try (var st = c.prepareStatement("SELECT did FROM backfill_repos WHERE job_id = ?::uuid AND status = 'completed'")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                while (rs.next()) dids.add(rs.getString(1));
            }
        }
        return dids;
    }

    static String status(Connection c, String jobId) throws Exception {
        try (var st = c.prepareStatement("SELECT status FROM backfill_jobs WHERE id = ?::uuid")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** The index equals the ground truth and the job's counters are exact: every repo processed, none failed. */
    static void assertExact(Connection c, String jobId, Map<String, String> truth, int repos, long records) throws Exception {
        var rows = new HashMap<String, String>();
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        }
        assertThat(rows).isEqualTo(truth);
        try (var st = c.prepareStatement(
                "SELECT total_repos, processed_repos, total_records, failed_repos FROM backfill_jobs WHERE id = ?::uuid")) {
            st.setString(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(repos);
                assertThat(rs.getInt(2)).isEqualTo(repos);
                assertThat(rs.getLong(3)).isEqualTo(records);
                assertThat(rs.getInt(4)).isZero();
            }
        }
    }
}
