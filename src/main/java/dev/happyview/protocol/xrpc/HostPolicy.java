package dev.happyview.protocol.xrpc;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Politeness toward one host, shared by every caller in the process:
 * <ul>
 *   <li>at most {@code concurrency} requests in flight;</li>
 *   <li>after a 429, no request at all until the announced reset (the whole host waits, not only the caller);</li>
 *   <li>a host that announces its budget ({@code RateLimit-Remaining}/{@code -Reset}) is used freely while plenty
 *       remains, then paced so the remaining points last until the reset; a host that announces nothing gets a
 *       token bucket (default 9/s with a burst of 300: under 3000 requests in any 5 minutes);</li>
 *   <li>slow start: until a host has answered once, one request at a time, so a burst never goes out before the
 *       host has had a chance to announce its budget.</li>
 * </ul>
 */
final class HostPolicy {
    private final Semaphore inFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final double defaultRate;
    private final double defaultBurst;

    private long blockedUntilMillis;
    private boolean announces;
    private long remaining;
    private long limit;
    private long resetAtMillis;
    private long nextAllowedMillis;
    private double tokens;
    private long lastRefillNanos = System.nanoTime();
    private boolean answered;
    private int sent;

    HostPolicy(int concurrency, double defaultRate, int defaultBurst) {
        this.inFlight = new Semaphore(concurrency, true);
        this.defaultRate = defaultRate;
        this.defaultBurst = defaultBurst;
        this.tokens = defaultBurst;
    }

    /** Milliseconds until this host accepts requests again after a 429, or 0. */
    long blockedForMillis() {
        lock.lock();
        try {
            return Math.max(0, blockedUntilMillis - System.currentTimeMillis());
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a slot this host may receive now; pair with {@link #release()}. */
    void acquire() throws InterruptedException {
        inFlight.acquire();
        try {
            while (true) {
                long waitMillis = reserveOrWait();
                if (waitMillis <= 0) return;
                TimeUnit.MILLISECONDS.sleep(Math.min(waitMillis, 1000));
            }
        } catch (InterruptedException e) {
            inFlight.release();
            throw e;
        }
    }

    void release() {
        lock.lock();
        try {
            sent--;
        } finally {
            lock.unlock();
        }
        inFlight.release();
    }

    private long reserveOrWait() {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            if (now < blockedUntilMillis) return blockedUntilMillis - now;
            if (!answered && sent > 0) return 10;
            if (announces) {
                // Past the announced reset our numbers are stale: one request at a time until the host answers anew.
                if (now >= resetAtMillis && sent > 0) return 10;
                if (now < nextAllowedMillis) return nextAllowedMillis - now;
                nextAllowedMillis = now + paceMillis(now);
                if (remaining > 0) remaining--;
                sent++;
                return 0;
            }
            if (Double.isInfinite(defaultRate)) {
                sent++;
                return 0;
            }
            long t = System.nanoTime();
            tokens = Math.min(defaultBurst, tokens + (t - lastRefillNanos) / 1e9 * defaultRate);
            lastRefillNanos = t;
            if (tokens >= 1) {
                tokens -= 1;
                sent++;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / defaultRate * 1000);
        } finally {
            lock.unlock();
        }
    }

    /** Spacing between requests so the remaining points last until the reset; none while plenty remains. */
    private long paceMillis(long now) {
        long untilReset = Math.max(0, resetAtMillis - now);
        if (untilReset == 0) return 0;
        long left = remaining;
        long plenty = Math.max(10, limit / 10);
        if (left > plenty) return 0;
        if (left <= 1) return untilReset + 50;
        return untilReset / (left - 1);
    }

    /** Learns from every response: the announced budget, and the block after a 429. */
    void onResponse(int status, RateLimitHeaders h) {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            answered = true;
            if (h.announced()) {
                announces = true;
                // The server's count does not yet include our other requests in flight.
                remaining = Math.max(0, h.remaining().getAsLong() - Math.max(0, sent - 1));
                resetAtMillis = h.resetEpochMillis().getAsLong();
                limit = h.limit().orElse(Math.max(limit, remaining));
            }
            if (status == 429) {
                long until = now + h.waitAfter429(now).toMillis();
                // A reset that already passed (clock skew) still costs a short pause.
                blockedUntilMillis = Math.max(blockedUntilMillis, Math.max(until, now + 250));
                if (announces) remaining = 0;
            }
        } finally {
            lock.unlock();
        }
    }
}
