package dev.happyview.protocol.xrpc;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counters of outbound traffic for metrics and benchmarks: requests per host and status, 429s, waits. */
public final class ClientStats {
    private final Map<String, Map<Integer, LongAdder>> byHostStatus = new ConcurrentHashMap<>();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder rateLimitWaitMillis = new LongAdder();
    private final LongAdder retries = new LongAdder();

    void request(String host, int status) {
        byHostStatus.computeIfAbsent(host, h -> new ConcurrentHashMap<>()).computeIfAbsent(status, s -> new LongAdder())
                .increment();
        if (status == 429) rateLimited.increment();
    }

    void waited(long millis) {
        rateLimitWaitMillis.add(millis);
    }

    void retried() {
        retries.increment();
    }

    /** Requests per host and HTTP status (0 = no response). */
    public Map<String, Map<Integer, Long>> requestsByHostAndStatus() {
        var out = new TreeMap<String, Map<Integer, Long>>();
        byHostStatus.forEach((h, m) -> {
            var statuses = new TreeMap<Integer, Long>();
            m.forEach((s, n) -> statuses.put(s, n.sum()));
            out.put(h, statuses);
        });
        return out;
    }

    public long rateLimited() {
        return rateLimited.sum();
    }

    public long rateLimitWaitMillis() {
        return rateLimitWaitMillis.sum();
    }

    public long retries() {
        return retries.sum();
    }
}
