package dev.happyview.protocol.xrpc;

import static dev.happyview.testing.ScriptedServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.happyview.config.Setting;
import dev.happyview.protocol.net.OutboundGuard;
import dev.happyview.testing.ScriptedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Toward a host that announces no rate limit, the client as the service builds it (the default
 * {@code BACKFILL_HOST_CONCURRENCY} and {@code BACKFILL_HOST_RATE}), measured at the host: a burst, then the default
 * rate, and never more requests at once than the concurrency.
 */
class HostLimitsTest {
    static final int CONCURRENCY = Integer.parseInt(Setting.BACKFILL_HOST_CONCURRENCY.defaultValue);
    static final double RATE = Double.parseDouble(Setting.BACKFILL_HOST_RATE.defaultValue);

    @Test
    void aBurstThenTheDefaultRateAndNeverMoreThanTheConcurrencyAtOnce() throws Exception {
        var settings = ClientSettings.defaults(true).withHostLimits(CONCURRENCY, RATE, ClientSettings.defaults(true).defaultHostBurst());
        int burst = settings.defaultHostBurst();
        var inFlight = new AtomicInteger();
        var most = new AtomicInteger();
        try (var server = new ScriptedServer((ex, n) -> {
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(2);
                    } finally {
                        inFlight.decrementAndGet(); // before the answer leaves: never more than the client holds
                    }
                    json(ex, 200, "{}");
                });
                var client = new XrpcClient(settings, new OutboundGuard(true), new ObjectMapper(), "test")) {
            // Callers that always want more than the host may get, until 25 requests went out at the paced rate:
            // how soon the burst is used up depends on this machine's speed, so the test waits for it.
            var stop = new AtomicBoolean();
            var callers = new ArrayList<Thread>();
            for (int i = 0; i < 4 * CONCURRENCY; i++) {
                callers.add(Thread.ofVirtual().start(() -> {
                    try {
                        while (!stop.get()) client.query(server.url(), "a.b.c", Map.of(), true); // a PDS: untrusted
                    } catch (InterruptedException e) {
                        // stopped while waiting for the host
                    } catch (XrpcException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
                int dry = burstUsedUp(arrivals(server), burst);
                return dry >= 0 && server.requests().size() >= dry + 26;
            });
            stop.set(true);
            for (Thread t : callers) t.interrupt();
            for (Thread t : callers) t.join();

            long[] at = arrivals(server);
            assertThat(most.get()).as("requests in flight at once").isEqualTo(CONCURRENCY);
            // A token bucket: by any moment, at most the burst plus the rate times the time since the first request
            // (+2 for the first request's own arrival jitter).
            for (int k = 0; k < at.length; k++) {
                double budget = burst + RATE * (at[k] - at[0]) / 1000.0;
                assertThat(k + 1.0).as("request %d, %d ms after the first", k + 1, at[k] - at[0]).isLessThanOrEqualTo(budget + 2);
            }
            int dry = burstUsedUp(at, burst);
            double paced = (at.length - 1 - dry) / ((at[at.length - 1] - at[dry]) / 1000.0);
            System.out.printf("host limits: %d requests, at most %d at once; the burst of %d was used up after %d ms "
                    + "(request %d), then %.2f/s (limit %.0f/s)%n", at.length, most.get(), burst, at[dry] - at[0],
                    dry + 1, paced, RATE);
            assertThat(paced).as("requests per second once the burst is used up").isBetween(RATE * 0.8, RATE * 1.1);
        }
    }

    private static long[] arrivals(ScriptedServer server) {
        return server.requests().stream().mapToLong(ScriptedServer.Logged::atMillis).sorted().toArray();
    }

    /** The first request by which the burst plus what the rate refilled is spent (within one), or -1. */
    private static int burstUsedUp(long[] at, int burst) {
        for (int k = 0; k < at.length; k++) {
            if (k + 1 >= burst + RATE * (at[k] - at[0]) / 1000.0 - 1) return k;
        }
        return -1;
    }
}
