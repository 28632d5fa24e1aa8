package dev.happyview.protocol.xrpc;

/**
 * One rate-limit budget of a host, as far as this client knows it. Until the host announces it
 * ({@code RateLimit-Remaining}/{@code -Reset}) it is a token bucket of the configured default rate; once announced,
 * its remaining points are spent as requests come and the next request waits for the reset: the host said what it
 * allows until then, and spreading the last points across the window only made a budget-bound backfill finish up to
 * a window later. Requests reserve a point before they go; the host's answers correct the count. Not thread-safe: {@link HostPolicy} holds its lock
 * around every call.
 */
final class Budget {
    private final double defaultRate;
    private final double defaultBurst;
    /** The announced {@code limit;w=window} that identifies this budget on its host, or null before any. */
    private String key;
    private boolean announces;
    private long remaining;
    private long limit;
    private long windowSeconds;
    private long resetAtMillis;
    private long blockedUntilMillis;
    private double tokens;
    private long lastRefillNanos = System.nanoTime();
    /** Requests reserved on this budget and not yet released. */
    private int sent;

    Budget(double defaultRate, int defaultBurst) {
        this.defaultRate = defaultRate;
        this.defaultBurst = defaultBurst;
        this.tokens = defaultBurst;
    }

    String key() {
        return key;
    }

    /** Points per window as announced (0 before). */
    long limit() {
        return limit;
    }

    /** 0 when a request may go now (its point is then reserved), else how many ms to wait before asking again. */
    long reserveOrWait(long now) {
        if (now < blockedUntilMillis) return blockedUntilMillis - now;
        if (announces) {
            // Past the announced reset our numbers are stale: one request at a time until the host answers anew.
            if (now >= resetAtMillis) {
                if (sent > 0) return 10;
            } else if (remaining <= 0) {
                return resetAtMillis - now;
            } else {
                remaining--;
            }
            sent++;
            return 0;
        }
        if (Double.isInfinite(defaultRate)) {
            sent++;
            return 0;
        }
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            sent++;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / defaultRate * 1000);
    }

    void release() {
        sent--;
    }

    int sent() {
        return sent;
    }

    long blockedForMillis(long now) {
        return Math.max(0, blockedUntilMillis - now);
    }


    /** Learns the announced state; {@code policyKey} identifies the budget the host charged. */
    void onAnnounced(RateLimitHeaders h, String policyKey) {
        if (key == null) key = policyKey;
        announces = true;
        // The server's count does not yet include our other requests in flight; and an answer overtaken by a later
        // one must not give back points already spent.
        long counted = Math.max(0, h.remaining().getAsLong() - Math.max(0, sent - 1));
        long reset = h.resetEpochMillis().getAsLong();
        if (reset < resetAtMillis) return; // an answer from a window that has ended since
        remaining = reset == resetAtMillis ? Math.min(remaining, counted) : counted;
        resetAtMillis = reset;
        limit = h.limit().orElse(Math.max(limit, remaining));
        if (h.policyWindowSeconds().isPresent()) windowSeconds = h.policyWindowSeconds().getAsLong();
    }

    /** A 429 that named this budget: nothing more until its reset. */
    void blockUntil(long untilMillis) {
        blockedUntilMillis = Math.max(blockedUntilMillis, untilMillis);
        if (announces) remaining = 0;
    }

    /** What a planner may know of this budget at {@code now}. */
    HostBudget view(long now) {
        if (!announces) {
            if (Double.isInfinite(defaultRate)) return HostBudget.unlimited(key);
            refill();
            return new HostBudget(key, false, (long) defaultBurst, (long) tokens, 0, defaultRate, sent, true);
        }
        long resetIn = Math.max(0, Math.max(resetAtMillis, blockedUntilMillis) - now);
        // Past the reset the window is new: a full budget, until the host says otherwise.
        long left = now >= resetAtMillis ? limit : remaining;
        double window = windowSeconds > 0 ? windowSeconds : Math.max(1.0, resetIn / 1000.0);
        return new HostBudget(key, true, limit, left, resetIn, limit / window, sent, true);
    }

    private void refill() {
        long t = System.nanoTime();
        tokens = Math.min(defaultBurst, tokens + (t - lastRefillNanos) / 1e9 * defaultRate);
        lastRefillNanos = t;
    }
}
