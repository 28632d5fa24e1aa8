package dev.happyview.protocol.xrpc;

/**
 * A host's rate-limit budget for one endpoint, as the client knows it at one moment: what a fetch planner weighs.
 *
 * @param bucket          identifies the budget on its host: two endpoints with equal buckets spend the same points
 *                        (null before the host announced one)
 * @param announced       the host announced it ({@code RateLimit-*}); otherwise it is this client's default pace
 * @param limit           points per window (for the default pace: its burst)
 * @param remaining       points left now
 * @param resetInMillis   until the announced window ends (0 when not announced)
 * @param refillPerSecond points regained per second over time (limit ÷ window)
 * @param reserved        requests reserved on it and not yet answered
 * @param learned         the endpoint asked about has been answered on this host, so this is the budget the host
 *                        charges it to; otherwise it is the most constraining one known, a guess
 */
public record HostBudget(String bucket, boolean announced, long limit, long remaining, long resetInMillis,
        double refillPerSecond, int reserved, boolean learned) {

    static HostBudget unlimited(String bucket) {
        return new HostBudget(bucket, false, Long.MAX_VALUE, Long.MAX_VALUE, 0, Double.POSITIVE_INFINITY, 0, true);
    }

    HostBudget learned(boolean known) {
        return new HostBudget(bucket, announced, limit, remaining, resetInMillis, refillPerSecond, reserved, known);
    }

    public boolean unlimited() {
        return Double.isInfinite(refillPerSecond);
    }

    /**
     * How long after now the budget can have paid for {@code requests} more: negative while it has that many to
     * spare (minus the time its spare points would take to earn), else the wait for the rest at its refill rate.
     */
    public double secondsToPay(double requests) {
        if (unlimited()) return Double.NEGATIVE_INFINITY;
        double rate = Math.max(refillPerSecond, 1e-6);
        if (requests <= remaining) return -(remaining - requests) / rate;
        return resetInMillis / 1000.0 + (requests - remaining) / rate;
    }
}
