package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.testing.TestApp;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackfillEngineTest {
    static final String COLLECTION = "com.example.feed.post";

    static TestApp app(MiniNetwork net) {
        return TestApp.start(TestApp.baseConfig()
                .with(Setting.RELAY_URL, net.relay.url())
                .with(Setting.PLC_URL, net.plc.url()));
    }

    static void uploadRecordLexicon(TestApp app, String nsid) throws Exception {
        try (var c = app.app().database().connection(); var st = c.prepareStatement(
                "INSERT INTO lexicons (id, lexicon_json, lexicon_type, backfill) VALUES (?, '{}'::jsonb, 'record', true)")) {
            st.setString(1, nsid);
            st.executeUpdate();
        }
    }

    static Map<String, String> indexed(TestApp app) throws Exception {
        var rows = new HashMap<String, String>();
        try (var c = app.app().database().connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT uri, cid FROM records")) {
            while (rs.next()) rows.put(rs.getString(1), rs.getString(2));
        }
        return rows;
    }

    static JsonNode awaitEnd(TestApp app, String id) {
        var job = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            job[0] = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json();
            return !job[0].get("status").asText().matches("pending|running|cancelling");
        });
        return job[0];
    }

    @Test
    void aJobIndexesExactlyWhatTheNetworkHoldsWithExactCounters() throws Exception {
        try (var net = new MiniNetwork(COLLECTION, 30, 250); var app = app(net)) {
            net.failing.put(net.repos.keySet().iterator().next(), "RepoTakendown");
            uploadRecordLexicon(app, COLLECTION);
            var created = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + COLLECTION + "\"}");
            assertThat(created.status()).isEqualTo(201);
            JsonNode job = awaitEnd(app, created.json().get("id").asText());

            assertThat(job.get("status").asText()).isEqualTo("completed");
            assertThat(job.get("stage").asText()).isEqualTo("completed");
            assertThat(indexed(app)).isEqualTo(net.groundTruth());
            assertThat(job.get("total_repos").asInt()).isEqualTo(30);
            assertThat(job.get("processed_repos").asInt()).isEqualTo(30);
            assertThat(job.get("skipped_repos").asInt()).isEqualTo(1);
            assertThat(job.get("total_records").asLong()).isEqualTo(29 * 250);

            var skipped = app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=skipped", TestApp.ADMIN_KEY).json();
            assertThat(skipped.get("repos")).hasSize(1);
            assertThat(skipped.get("repos").get(0).get("last_error").asText()).contains("RepoTakendown");
        }
    }
}
