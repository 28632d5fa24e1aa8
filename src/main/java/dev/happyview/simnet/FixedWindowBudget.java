package dev.happyview.simnet;

import java.util.Map;

/**
 * A rate-limit bucket as the reference PDS keeps one per client: a <b>fixed window</b> of N points that opens at the
 * first request it charges (and again at the first request after it ended); each request costs one point, and a
 * request finding none left is refused. Its state is announced on every answer it charged: {@code RateLimit-Limit},
 * {@code -Remaining}, {@code -Reset} (the window end rounded up to whole epoch seconds) and {@code -Policy}.
 */
final class FixedWindowBudget {
    /** Points per window; {@code points == 0} means no limit. */
    record Spec(int points, int windowSec) {
        static final Spec NONE = new Spec(0, 300);

        boolean limited() {
            return points > 0;
        }
    }

    private final Spec spec;
    private long windowEnd;
    private int remaining;

    FixedWindowBudget(Spec spec) {
        this.spec = spec;
    }

    Spec spec() {
        return spec;
    }

    /** Takes one point at {@code now}; false when the window has none left. */
    synchronized boolean take(long now) {
        if (windowEnd == 0 || now >= windowEnd) {
            windowEnd = now + spec.windowSec() * 1000L;
            remaining = spec.points();
        }
        if (remaining == 0) return false;
        remaining--;
        return true;
    }

    synchronized long resetEpochSeconds() {
        return Math.ceilDiv(windowEnd, 1000);
    }

    /** The four headers, as they stand now. */
    Map<String, String> headers() {
        int rem;
        long reset;
        synchronized (this) {
            rem = remaining;
            reset = Math.ceilDiv(windowEnd, 1000);
        }
        return headers(spec.points(), rem, reset, spec.windowSec());
    }

    static Map<String, String> headers(int points, int remaining, long resetEpochSeconds, int windowSec) {
        return Map.of("RateLimit-Limit", String.valueOf(points), "RateLimit-Remaining", String.valueOf(remaining),
                "RateLimit-Reset", String.valueOf(resetEpochSeconds), "RateLimit-Policy", points + ";w=" + windowSec);
    }
}
