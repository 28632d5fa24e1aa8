package dev.happyview.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.config.Setting;
import dev.happyview.simnet.Scenario;
import dev.happyview.simnet.SimNetwork;
import dev.happyview.testing.ScriptedServer;
import dev.happyview.testing.TestApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code happyview backfill} and {@code status} against a running service and a simulated network. */
class CliBackfillTest {
    static final String POSTS = "com.example.feed.post";
    static SimNetwork net;
    static TestApp app;

    @BeforeAll
    static void start() throws Exception {
        net = SimNetwork.start(Scenario.builder().seed(7).repos(40).pdsHosts(2).collections(POSTS).latencyMs(5).build());
        app = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, net.relayUrl()).with(Setting.PLC_URL, net.plcUrl()));
    }

    @AfterAll
    static void stop() {
        app.close();
        net.close();
    }

    static CliRunner.Result cli(String... args) {
        return CliRunner.run(app.baseUrl(), TestApp.ADMIN_KEY, args);
    }

    static void uploadWithoutBackfill(Path dir, String nsid) throws Exception {
        Path file = dir.resolve(nsid + ".json");
        Files.writeString(file, """
                {"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid","record":{"type":"object","properties":{}}}}}"""
                .formatted(nsid));
        var r = cli("lexicon", "upload", file.toString(), "--no-backfill");
        assertThat(r.exit()).as(r.toString()).isZero();
    }

    @Test
    void backfillWaitFollowsTheJobToCompletionAndStatusListsIt(@TempDir Path dir) throws Exception {
        uploadWithoutBackfill(dir, POSTS);
        long expected = net.groundTruth(Set.of(POSTS), null).size();

        var r = cli("backfill", "--collection", POSTS, "--strategy", "list-records", "--wait");

        assertThat(r.exit()).as(r.toString()).isZero();
        var lines = r.out().lines().toList();
        assertThat(lines.getFirst()).matches("backfill job [0-9a-f-]{36}");
        String id = lines.getFirst().substring("backfill job ".length());
        // Not a terminal: whole progress lines, no carriage returns; the last one is the finished job.
        assertThat(r.out()).doesNotContain("\r");
        assertThat(lines.get(lines.size() - 2)).isEqualTo(
                "[####################] 100%  completed  40/40 repos  " + Table.count(expected) + " records  "
                        + lines.get(lines.size() - 2).replaceAll(".* records  ", ""));
        assertThat(lines.get(lines.size() - 2)).matches(".* [0-9,]+ rec/s  ETA -:--");
        assertThat(lines.getLast()).matches("completed: 40 repos, " + Table.count(expected) + " records in \\d+:\\d\\d");
        assertThat(app.indexedRecords()).hasSize((int) expected);

        var status = cli("status", "--limit", "5");
        assertThat(status.exit()).as(status.toString()).isZero();
        var table = status.out().lines().toList();
        assertThat(table.getFirst()).matches("ID +COLLECTION +DID +STATUS +STAGE +REPOS +RECORDS +CREATED");
        assertThat(table).anySatisfy(row -> assertThat(row).matches(id + "  " + POSTS + " +- +completed +completed +40/40 +"
                + Table.count(expected) + " +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ"));
    }

    @Test
    void withoutWaitOnlyTheJobIdIsPrinted(@TempDir Path dir) throws Exception {
        uploadWithoutBackfill(dir, POSTS);
        var r = cli("backfill", "--collection", POSTS, "--did", net.dids().getFirst());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().strip()).matches("[0-9a-f-]{36}");
        assertThat(app.get("/admin/backfill/" + r.out().strip(), TestApp.ADMIN_KEY).json().get("did").asText())
                .isEqualTo(net.dids().getFirst());
    }

    @Test
    void severalDidsMakeOneJobForThoseRepos(@TempDir Path dir) throws Exception {
        uploadWithoutBackfill(dir, POSTS);
        List<String> dids = net.dids().subList(0, 3);
        var r = cli("backfill", "--collection", POSTS, "--did", dids.get(0) + "," + dids.get(1), "--did", dids.get(2), "--wait");
        assertThat(r.exit()).as(r.toString()).isZero();
        String id = r.out().lines().findFirst().orElseThrow().replace("backfill job ", "");
        var job = app.get("/admin/backfill/" + id, TestApp.ADMIN_KEY).json();
        assertThat(job.get("dids").toString()).isEqualTo("[\"" + String.join("\",\"", dids) + "\"]");
        assertThat(job.get("did").isNull()).as("did names a job's account only when it has exactly one").isTrue();
        assertThat(job.get("total_repos").asInt()).isEqualTo(3);
        assertThat(r.out()).contains("completed: 3 repos");
    }

    @Test
    void onATerminalProgressIsOneLineRedrawnInPlace(@TempDir Path dir) throws Exception {
        uploadWithoutBackfill(dir, POSTS);
        var r = CliRunner.runWith(Map.of("HAPPYVIEW_URL", app.baseUrl(), "HAPPYVIEW_API_KEY", TestApp.ADMIN_KEY),
                true, List.of("backfill", "--collection", POSTS, "--did", net.dids().getLast(), "--wait"));
        assertThat(r.exit()).as(r.toString()).isZero();
        var lines = List.of(r.out().split("\n")); // not lines(): it would split at \r too
        // The id, the progress line (every redraw starts with \r, none ends a line until the job ended), the summary.
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("\r[").contains("\r[####################] 100%  completed  1/1 repos");
        assertThat(lines.get(2)).startsWith("completed: 1 repos, ");
    }

    @Test
    void aRejectedRequestExitsTwoWithTheServersMessage() {
        var r = cli("backfill", "--collection", "com.example.nothing.here", "--wait");
        assertThat(r.exit()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().strip()).isEqualTo(
                "error: HTTP 400 InvalidRequest: field 'collection': no record lexicon uploaded for com.example.nothing.here");

        var bad = cli("backfill", "--strategy", "teleport");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("HTTP 400 InvalidRequest: field 'strategy' must be one of");

        var usage = cli("backfill", "--bogus");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("Unknown option: '--bogus'");
    }

    @Test
    void aFailedJobExitsOneWithItsError(@TempDir Path dir) throws Exception {
        try (var relay = new ScriptedServer((ex, n) -> ScriptedServer.send(ex, 502, "text/html", "<h1>Bad Gateway</h1>"));
                var failing = TestApp.start(TestApp.baseConfig().with(Setting.RELAY_URL, relay.url()))) {
            Path file = dir.resolve("lex.json");
            Files.writeString(file, """
                    {"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid","record":{"type":"object"}}}}"""
                    .formatted(POSTS));
            assertThat(CliRunner.run(failing.baseUrl(), TestApp.ADMIN_KEY, "lexicon", "upload", file.toString(), "--no-backfill")
                    .exit()).isZero();

            var r = CliRunner.run(failing.baseUrl(), TestApp.ADMIN_KEY, "backfill", "--collection", POSTS, "--wait");

            assertThat(r.exit()).as(r.toString()).isEqualTo(1);
            assertThat(r.out().lines().toList().getLast()).startsWith("failed: ").contains("relay").contains("502");
        }
    }
}
