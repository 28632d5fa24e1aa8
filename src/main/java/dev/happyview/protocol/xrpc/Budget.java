package dev.happyview.protocol.xrpc;

/**
 * One rate-limit budget of a host, as far as this client knows it. Until the host announces it
 * ({@code RateLimit-Remaining}/{@code -Reset}) it is a token bucket of the configured default rate; once announced it
 * is used freely while plenty remains, then paced so the remaining points last until the reset. Requests reserve a
 * point before they go; the host's answers correct the count. Not thread-safe: {@link HostPolicy} holds its lock
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
    private long nextAllowedMillis;
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

    /** Learns the announced state; {@code policyKey} identifies the budget the host charged. */
    void onAnnounced(RateLimitHeaders h, String policyKey) {
        if (key == null) key = policyKey;
        announces = true;
        // The server's count does not yet include our other requests in flight.
        remaining = Math.max(0, h.remaining().getAsLong() - Math.max(0, sent - 1));
        resetAtMillis = h.resetEpochMillis().getAsLong();
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
            return new HostBudget(key, false, (long) defaultBurst, (long) tokens, 0, defaultRate, sent);
        }
        long resetIn = Math.max(0, Math.max(resetAtMillis, blockedUntilMillis) - now);
        // Past the reset the window is new: a full budget, until the host says otherwise.
        long left = now >= resetAtMillis ? limit : remaining;
        double window = windowSeconds > 0 ? windowSeconds : Math.max(1.0, resetIn / 1000.0);
        return new HostBudget(key, true, limit, left, resetIn, limit / window, sent);
    }

    private void refill() {
        long t = System.nanoTime();
        tokens = Math.min(defaultBurst, tokens + (t - lastRefillNanos) / 1e9 * defaultRate);
        lastRefillNanos = t;
    }
}
