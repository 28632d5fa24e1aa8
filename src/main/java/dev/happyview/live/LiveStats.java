package dev.happyview.live;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Counters of a live pipeline, and the lag from each event's time to the commit of its write: the last 65,536 lags are
 * kept with the time they were measured, so percentiles describe the recent past.
 */
public final class LiveStats {
    private static final int RING = 1 << 16;

    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final long[] lagMicros = new long[RING];
    private final long[] measuredAtMillis = new long[RING];
    private final long[] eventAtMicros = new long[RING];
    private long lagCount;
    private volatile long lastEventMicros = -1;
    private volatile long lastCommitMillis = -1;
    private volatile double eventsPerSecond;
    private long windowStartNanos = System.nanoTime();
    private long windowStartCount;

    /** A batch committed: its events applied or buffered, their times for the lag. */
    synchronized void committed(long[] eventMicros, int count, int bufferedCount, int refusedCount) {
        long nowMillis = System.currentTimeMillis();
        long nowMicros = nowMillis * 1000;
        for (int i = 0; i < count; i++) {
            int slot = (int) (lagCount++ & (RING - 1));
            lagMicros[slot] = Math.max(0, nowMicros - eventMicros[i]);
            measuredAtMillis[slot] = nowMillis;
            eventAtMicros[slot] = eventMicros[i];
            if (eventMicros[i] > lastEventMicros) lastEventMicros = eventMicros[i];
        }
        applied.addAndGet(count - bufferedCount);
        buffered.addAndGet(bufferedCount);
        refused.addAndGet(refusedCount);
        lastCommitMillis = nowMillis;
        long now = System.nanoTime();
        if (now - windowStartNanos >= 1_000_000_000L) {
            long total = applied.get() + buffered.get();
            eventsPerSecond = (total - windowStartCount) / ((now - windowStartNanos) / 1e9);
            windowStartNanos = now;
            windowStartCount = total;
        }
    }

    public long applied() {
        return applied.get();
    }

    public long buffered() {
        return buffered.get();
    }

    public long refused() {
        return refused.get();
    }

    /** Time of the newest event committed, in microseconds since the epoch; -1 before the first. */
    public long lastEventMicros() {
        return lastEventMicros;
    }

    public double eventsPerSecond() {
        long idle = System.currentTimeMillis() - lastCommitMillis;
        return lastCommitMillis < 0 || idle > 5_000 ? 0 : Math.round(eventsPerSecond * 10) / 10.0;
    }

    /** Lag percentiles in milliseconds over the events committed in the last {@code windowMillis}; null if none. */
    public synchronized Lag lag(long windowMillis) {
        long since = System.currentTimeMillis() - windowMillis;
        return lag(i -> measuredAtMillis[i] >= since);
    }

    /**
     * Lag percentiles over the events that happened at or after {@code eventMicros} (replays of older events after a
     * reconnect left out); null if none.
     */
    public synchronized Lag lagOfEventsSince(long eventMicros) {
        return lag(i -> eventAtMicros[i] >= eventMicros);
    }

    private Lag lag(IntPredicate include) {
        int n = (int) Math.min(lagCount, RING);
        long[] recent = new long[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (include.test(i)) recent[k++] = lagMicros[i];
        }
        if (k == 0) return null;
        long[] sorted = Arrays.copyOf(recent, k);
        Arrays.sort(sorted);
        return new Lag(k, sorted[(int) Math.floor(0.5 * (k - 1))] / 1000.0, sorted[(int) Math.floor(0.99 * (k - 1))] / 1000.0,
                sorted[k - 1] / 1000.0);
    }

    /** Lag from event time to committed write: sample size, median, 99th percentile and maximum, in milliseconds. */
    public record Lag(int events, double p50Ms, double p99Ms, double maxMs) {}
}
