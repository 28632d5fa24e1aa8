package dev.happyview.protocol.xrpc;

import static dev.happyview.testing.ScriptedServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.happyview.protocol.net.OutboundGuard;
import dev.happyview.testing.ScriptedServer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class XrpcClientTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static XrpcClient client(ClientSettings s) {
        return new XrpcClient(s, new OutboundGuard(true), JSON, "test");
    }

    static ClientSettings fast() {
        return ClientSettings.defaults(true)
                .withTimeouts(Duration.ofSeconds(2), Duration.ofMillis(800), Duration.ofMillis(800))
                .withRetries(3, Duration.ofMillis(20), Duration.ofSeconds(10));
    }

    @Test
    void noRequestReachesAHostBetweenIts429AndTheReset() throws Exception {
        var resetAt = new AtomicLong();
        try (var server = new ScriptedServer((ex, n) -> {
                    if (ex.getRequestURI().getPath().endsWith("/a.b.limited") && resetAt.compareAndSet(0, -1)) {
                        long resetSecs = System.currentTimeMillis() / 1000 + 2; // epoch seconds, at least 1 s away
                        resetAt.set(resetSecs * 1000);
                        ex.getResponseHeaders().set("RateLimit-Reset", Long.toString(resetSecs));
                        ex.getResponseHeaders().set("RateLimit-Remaining", "0");
                        ex.getResponseHeaders().set("RateLimit-Limit", "100");
                        json(ex, 429, "{\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}");
                        return;
                    }
                    json(ex, 200, "{\"ok\":true}");
                });
                var client = client(fast());
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            client.query(server.url(), "a.b.first", Map.of(), false); // the host has answered: past the slow start
            Future<?> limited = pool.submit(() -> client.query(server.url(), "a.b.limited", Map.of(), false));
            // A 429 is counted once the host's policy has learned of it: every call from now on must wait.
            await().atMost(Duration.ofSeconds(10)).until(() -> client.stats().rateLimited() == 1);
            var later = new ArrayList<Future<?>>();
            for (int i = 0; i < 10; i++) later.add(pool.submit(() -> client.query(server.url(), "a.b.later", Map.of(), false)));
            limited.get();
            for (var f : later) f.get();

            var requests = server.requests();
            var limitedCalls = requests.stream().filter(r -> r.path().contains("a.b.limited")).toList();
            assertThat(limitedCalls).as("the 429 and the call's one retry").hasSize(2);
            assertThat(limitedCalls.get(1).atMillis()).as("the retry").isGreaterThanOrEqualTo(resetAt.get());
            var laterCalls = requests.stream().filter(r -> r.path().contains("a.b.later")).toList();
            assertThat(laterCalls).hasSize(10).allSatisfy(r -> assertThat(r.atMillis())
                    .as("a call made after the 429 arrived at %d, before the reset %d", r.atMillis(), resetAt.get())
                    .isGreaterThanOrEqualTo(resetAt.get()));
            assertThat(client.stats().rateLimited()).isEqualTo(1);
        }
    }

    @Test
    void deltaSecondsAndHttpDateFormsAreHonoured() throws Exception {
        for (String form : new String[] {"delta", "date"}) {
            try (var server = new ScriptedServer((ex, n) -> {
                        if (n == 1) {
                            if (form.equals("delta")) ex.getResponseHeaders().set("RateLimit-Reset", "1");
                            else ex.getResponseHeaders().set("Retry-After", DateTimeFormatter.RFC_1123_DATE_TIME
                                    .format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2)));
                            json(ex, 429, "{}");
                            return;
                        }
                        json(ex, 200, "{}");
                    });
                    var client = client(fast())) {
                client.query(server.url(), "a.b.c", Map.of(), false);
                var reqs = server.requests();
                assertThat(reqs).hasSize(2);
                assertThat(reqs.get(1).atMillis() - reqs.get(0).atMillis()).as(form).isGreaterThanOrEqualTo(900);
            }
        }
    }

    @Test
    void transientFailuresAreRetriedABoundedNumberOfTimes() throws Exception {
        try (var server = new ScriptedServer((ex, n) -> json(ex, 503, "{\"error\":\"Unavailable\"}"));
                var client = client(fast())) {
            assertThatThrownBy(() -> client.query(server.url(), "a.b.c", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> {
                        assertThat(e.isPermanent()).isFalse();
                        assertThat(e.status()).isEqualTo(503);
                    });
            assertThat(server.requests()).hasSize(3);
        }
    }

    @Test
    void permanentErrorsAreNotRetried() throws Exception {
        try (var server = new ScriptedServer((ex, n) -> json(ex, 400, "{\"error\":\"RepoTakendown\",\"message\":\"gone\"}"));
                var client = client(fast())) {
            assertThatThrownBy(() -> client.query(server.url(), "a.b.c", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> {
                        assertThat(e.isPermanent()).isTrue();
                        assertThat(e.error()).isEqualTo("RepoTakendown");
                    });
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void htmlErrorPagesAreClassifiedByStatus() throws Exception {
        try (var server = new ScriptedServer((ex, n) ->
                        ScriptedServer.send(ex, 502, "text/html", "<html><body>Bad gateway</body></html>"));
                var client = client(fast())) {
            assertThatThrownBy(() -> client.query(server.url(), "a.b.c", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.isPermanent()).isFalse())
                    .hasMessageContaining("502");
        }
    }

    @Test
    void aHungServerIsCutOffByTheTimeout() throws Exception {
        try (var server = new ScriptedServer((ex, n) -> Thread.sleep(60_000));
                var client = client(fast())) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.query(server.url(), "a.b.c", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.isPermanent()).isFalse());
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aSlowDrippingBodyIsCutOff() throws Exception {
        try (var server = new ScriptedServer((ex, n) -> {
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    ex.sendResponseHeaders(200, 0);
                    var out = ex.getResponseBody();
                    out.write('[');
                    for (int i = 0; i < 100; i++) {
                        out.write(' ');
                        out.flush();
                        Thread.sleep(200);
                    }
                });
                var client = client(fast().withRetries(1, Duration.ofMillis(10), Duration.ofSeconds(5)))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.query(server.url(), "a.b.c", Map.of(), false))
                    .isInstanceOf(XrpcException.class).hasMessageContaining("body");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void oversizedBodiesAndGzipBombsAreRefused() throws Exception {
        var bomb = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bomb)) {
            gz.write('"');
            gz.write(new byte[20 << 20]);
            gz.write('"');
        }
        try (var server = new ScriptedServer((ex, n) -> {
                    ex.getResponseHeaders().set("Content-Type", "application/json");
                    if (ex.getRequestURI().getPath().endsWith("bomb")) {
                        ex.getResponseHeaders().set("Content-Encoding", "gzip");
                        ex.sendResponseHeaders(200, bomb.size());
                        ex.getResponseBody().write(bomb.toByteArray());
                    } else {
                        byte[] big = ("\"" + "x".repeat(3 << 20) + "\"").getBytes();
                        ex.sendResponseHeaders(200, big.length);
                        ex.getResponseBody().write(big);
                    }
                });
                var client = client(fast().withLimits(1 << 20, 1 << 20))) {
            assertThatThrownBy(() -> client.query(server.url(), "a.b.big", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.error()).isEqualTo("ResponseTooLarge"));
            assertThatThrownBy(() -> client.query(server.url(), "a.b.bomb", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.error()).isEqualTo("ResponseTooLarge"));
        }
    }

    @Test
    void announcedBudgetsArePacedSoASmallBucketNeverOverflows() throws Exception {
        // A server with 20 points per 2-second window, announced on every response, like the reference PDS.
        var bucket = new Object() {
            long windowStart = System.currentTimeMillis();
            int used;
        };
        var rejected = new AtomicInteger();
        try (var server = new ScriptedServer((ex, n) -> {
                    long reset;
                    int remaining;
                    boolean ok;
                    synchronized (bucket) {
                        long now = System.currentTimeMillis();
                        if (now - bucket.windowStart >= 2000) {
                            bucket.windowStart = now;
                            bucket.used = 0;
                        }
                        ok = bucket.used < 20;
                        if (ok) bucket.used++;
                        remaining = 20 - bucket.used;
                        reset = (bucket.windowStart + 2000 + 999) / 1000;
                    }
                    ex.getResponseHeaders().set("RateLimit-Limit", "20");
                    ex.getResponseHeaders().set("RateLimit-Remaining", Integer.toString(remaining));
                    ex.getResponseHeaders().set("RateLimit-Reset", Long.toString(reset));
                    ex.getResponseHeaders().set("RateLimit-Policy", "20;w=2");
                    if (!ok) {
                        rejected.incrementAndGet();
                        json(ex, 429, "{\"error\":\"RateLimitExceeded\"}");
                    } else {
                        json(ex, 200, "{}");
                    }
                });
                var client = client(fast().withRetries(3, Duration.ofMillis(20), Duration.ofSeconds(10)));
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var calls = new ArrayList<Future<?>>();
            for (int i = 0; i < 45; i++) calls.add(pool.submit(() -> client.query(server.url(), "a.b.c", Map.of(), false)));
            for (var f : calls) f.get();
            assertThat(server.requests().size() - rejected.get()).isEqualTo(45);
            assertThat(rejected.get()).as("429s received").isLessThanOrEqualTo(1);
        }
    }

    @Test
    void redirectsAreNotFollowed() throws Exception {
        try (var server = new ScriptedServer((ex, n) -> {
                    ex.getResponseHeaders().set("Location", "http://169.254.169.254/latest/meta-data");
                    ex.sendResponseHeaders(302, -1);
                });
                var client = client(fast())) {
            assertThatThrownBy(() -> client.query(server.url(), "a.b.c", Map.of(), false))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.isPermanent()).isTrue())
                    .hasMessageContaining("302");
            assertThat(server.requests()).hasSize(1);
        }
    }
}
