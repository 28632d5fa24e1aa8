package dev.happyview.protocol.xrpc;

import static dev.happyview.testing.ScriptedServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.testing.ScriptedServer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A host that keeps getRepo in a budget of its own, as newer PDS versions do: both are spent, neither overrun. */
class HostBudgetsTest {
    static final String GET_REPO = "com.atproto.sync.getRepo";
    static final String LIST = "com.atproto.repo.listRecords";

    /** A fixed window of {@code points} per 3 s, announced on every answer it charged. */
    static final class Window {
        final int points;
        long start = System.currentTimeMillis();
        int used;
        final AtomicInteger rejected = new AtomicInteger();

        Window(int points) {
            this.points = points;
        }

        synchronized boolean take(Map<String, String> headers) {
            long now = System.currentTimeMillis();
            if (now - start >= 3000) {
                start = now;
                used = 0;
            }
            boolean ok = used < points;
            if (ok) used++;
            else rejected.incrementAndGet();
            headers.put("RateLimit-Limit", Integer.toString(points));
            headers.put("RateLimit-Remaining", Integer.toString(points - used));
            headers.put("RateLimit-Reset", Long.toString((start + 3000 + 999) / 1000));
            headers.put("RateLimit-Policy", points + ";w=3");
            return ok;
        }
    }

    @Test
    void getRepoIsChargedToItsOwnBudgetOnceTheHostSaysSo() throws Exception {
        var global = new Window(8);
        var cars = new Window(24);
        try (var server = new ScriptedServer((ex, n) -> {
                    var headers = new HashMap<String, String>();
                    boolean ok = ex.getRequestURI().getPath().endsWith(GET_REPO) ? cars.take(headers) : global.take(headers);
                    headers.forEach((k, v) -> ex.getResponseHeaders().set(k, v));
                    json(ex, ok ? 200 : 429, ok ? "{}" : "{\"error\":\"RateLimitExceeded\"}");
                });
                var client = XrpcClientTest.client(XrpcClientTest.fast());
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var calls = new ArrayList<Future<?>>();
            for (int i = 0; i < 20; i++) calls.add(pool.submit(() -> client.query(server.url(), GET_REPO, Map.of(), true)));
            for (int i = 0; i < 6; i++) calls.add(pool.submit(() -> client.query(server.url(), LIST, Map.of(), true)));
            for (var f : calls) f.get();
            assertThat(global.rejected.get() + cars.rejected.get()).as("429s").isZero();
            // Charged to the host's 8 points, the 20 getRepo would need a third window (6 s and more); in their own 24
            // they fit the first (paced up to its announced reset, which is rounded up to a whole second).
            var arrivals = server.requests().stream().mapToLong(ScriptedServer.Logged::atMillis).summaryStatistics();
            assertThat(arrivals.getMax() - arrivals.getMin()).as("ms from the first request to the last").isLessThan(4500);
            HostBudget carBudget = client.budget(server.url(), GET_REPO).orElseThrow();
            HostBudget listBudget = client.budget(server.url(), LIST).orElseThrow();
            assertThat(carBudget.bucket()).isEqualTo("24;w=3");
            assertThat(listBudget.bucket()).isEqualTo("8;w=3");
            assertThat(client.budget(server.url(), "com.atproto.repo.describeRepo").orElseThrow().bucket())
                    .as("an endpoint not yet answered is charged to the host's budget").isEqualTo("8;w=3");
        }
    }
}
