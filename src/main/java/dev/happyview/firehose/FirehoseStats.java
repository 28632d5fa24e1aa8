package dev.happyview.firehose;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the firehose source since the process started: events verified, ignored as stale, refused and gaps
 * found (by kind), and the CPU time spent in each stage of the service path (thread CPU time), for metrics and the
 * benchmark's split of the cost per event.
 */
public final class FirehoseStats {
    private final LongAdder verified = new LongAdder();
    private final LongAdder stale = new LongAdder();
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> gaps = new ConcurrentHashMap<>();
    private final LongAdder parseNanos = new LongAdder();
    private final LongAdder verifyNanos = new LongAdder();
    private final LongAdder applyNanos = new LongAdder();
    private final LongAdder frames = new LongAdder();

    void parsed(long cpuNanos) {
        frames.increment();
        parseNanos.add(cpuNanos);
    }

    void verified(int count, long cpuNanos) {
        verified.add(count);
        verifyNanos.add(cpuNanos);
    }

    void applied(long cpuNanos) {
        applyNanos.add(cpuNanos);
    }

    void staleIgnored() {
        stale.increment();
    }

    void rejected(String kind) {
        rejected.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    void gap(String kind) {
        gaps.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    /** Frames received. */
    public long frames() {
        return frames.sum();
    }

    /** Commits and syncs whose signature (and ops) verified. */
    public long verified() {
        return verified.sum();
    }

    /** Events at or below their repo's stored rev, ignored. */
    public long stale() {
        return stale.sum();
    }

    /** Events refused, by kind (counted each time they arrive, replays included). */
    public Map<String, Long> rejected() {
        return snapshot(rejected);
    }

    /** Gaps found in repos' chains, by kind. */
    public Map<String, Long> gaps() {
        return snapshot(gaps);
    }

    /** Thread CPU time decoding frames (the socket's thread). */
    public long parseNanos() {
        return parseNanos.sum();
    }

    /** Thread CPU time verifying signatures and ops (the appliers' threads, before their transactions). */
    public long verifyNanos() {
        return verifyNanos.sum();
    }

    /** Thread CPU time applying verified events in the appliers' transactions (the service's side of writing). */
    public long applyNanos() {
        return applyNanos.sum();
    }

    private static Map<String, Long> snapshot(Map<String, LongAdder> counters) {
        var out = new TreeMap<String, Long>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
