package dev.happyview.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.config.Setting;
import dev.happyview.protocol.repo.InteropVectors;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.testing.TestApp;
import java.time.DateTimeException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every timestamp the admin API returns is an AT Protocol datetime, as clients built on the atproto libraries
 * expect. The checker follows the datetime spec and must first agree with every interop vector.
 */
class ApiDatetimesTest {
    private static final Pattern SYNTAX = Pattern.compile(
            "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-6][0-9]:[0-6][0-9](\\.[0-9]+)?(Z|[+-][0-2][0-9]:[0-5][0-9])");

    /** The spec's syntax (upper-case T and Z, an offset with a colon, never -00:00), and a real instant at or after year 0. */
    static boolean isAtprotoDatetime(String s) {
        if (s == null || s.length() > 64 || !SYNTAX.matcher(s).matches() || s.endsWith("-00:00")) return false;
        // java.time reads at most 9 fraction digits; the spec allows more, which cannot change the date.
        String parseable = s.replaceFirst("(\\.[0-9]{9})[0-9]+", "$1");
        try {
            return OffsetDateTime.parse(parseable).atZoneSameInstant(ZoneOffset.UTC).getYear() >= 0;
        } catch (DateTimeException e) {
            return false;
        }
    }

    @Test
    void theCheckerAgreesWithTheInteropVectors() {
        List<String> valid = lines("syntax/datetime_syntax_valid.txt");
        List<String> invalid = new ArrayList<>(lines("syntax/datetime_syntax_invalid.txt"));
        invalid.addAll(lines("syntax/datetime_parse_invalid.txt"));
        assertThat(valid).hasSizeGreaterThan(30).allSatisfy(s -> assertThat(isAtprotoDatetime(s)).as("valid [%s]", s).isTrue());
        assertThat(invalid).hasSizeGreaterThan(50).allSatisfy(s -> assertThat(isAtprotoDatetime(s)).as("invalid [%s]", s).isFalse());
    }

    @Test
    void everyTimestampTheApiReturnsIsAnAtprotoDatetime() throws Exception {
        String posts = "com.example.feed.post";
        var scenario = Scenario.builder().seed(5).repos(3).pdsHosts(1).collections(posts).smallMax(5).build();
        try (var net = SimNetwork.start(scenario);
                var app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl())
                        .with(Setting.PLC_URL, net.plcUrl()))) {
            String key = app.post("/admin/api-keys", TestApp.ADMIN_KEY, "{\"name\":\"k\",\"permissions\":[\"stats:read\"]}")
                    .json().get("key").asText();
            assertThat(app.get("/admin/stats", key).status()).isEqualTo(200); // sets last_used_at
            assertThat(app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(posts, true)).status())
                    .isEqualTo(201);
            String job = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json().get(0).get("id").asText();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    app.get("/admin/backfill/" + job, TestApp.ADMIN_KEY).json().get("status").asText().equals("completed"));

            var stamps = new TreeMap<String, String>();
            for (String path : List.of("/admin/api-keys", "/admin/lexicons", "/admin/backfill/status",
                    "/admin/backfill/" + job, "/admin/backfill/" + job + "/repos", "/admin/records?collection=" + posts)) {
                var r = app.get(path, TestApp.ADMIN_KEY);
                assertThat(r.status()).as(path).isEqualTo(200);
                collect(path, r.json(), stamps);
            }
            assertThat(stamps.keySet()).as("timestamps found").anyMatch(k -> k.endsWith("last_used_at"))
                    .anyMatch(k -> k.endsWith("completed_at")).anyMatch(k -> k.endsWith("indexed_at"));
            assertThat(stamps).allSatisfy((where, value) ->
                    assertThat(isAtprotoDatetime(value)).as("%s = %s", where, value).isTrue());
        }
    }

    /** Every non-null field named {@code *_at}, by its place in the answer. */
    private static void collect(String where, JsonNode node, Map<String, String> out) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) collect(where + "[" + i + "]", node.get(i), out);
        } else if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().endsWith("_at") && !e.getValue().isNull()) out.put(where + "." + e.getKey(), e.getValue().asText());
                else collect(where + "." + e.getKey(), e.getValue(), out);
            });
        }
    }

    private static List<String> lines(String vector) {
        return InteropVectors.text(vector).lines().filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }
}
