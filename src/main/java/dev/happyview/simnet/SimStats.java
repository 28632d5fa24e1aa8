package dev.happyview.simnet;

import java.util.List;
import java.util.Map;

/**
 * Request accounting.
 *
 * @param requests  host ("relay", "plc", "pds0".., "pds-stale", "web&lt;i&gt;") → endpoint (XRPC method,
 *                  "plc.resolve", or the path) → requests received
 * @param throttles every 429 a host sent, in order
 */
public record SimStats(Map<String, Map<String, Long>> requests, List<Throttle> throttles) {
    /**
     * A 429. {@code resetEpochSeconds} is what RateLimit-Reset said (or the storm end for header-less
     * HTML 429s); {@code nextRequestAtMillis} is when the host next got a request after sending it (0 if none).
     */
    public record Throttle(String host, long sentAtMillis, long resetEpochSeconds, boolean withHeaders,
                           long nextRequestAtMillis) {}

    public long total(String host) {
        return requests.getOrDefault(host, Map.of()).values().stream().mapToLong(Long::longValue).sum();
    }

    public long count(String host, String endpoint) {
        return requests.getOrDefault(host, Map.of()).getOrDefault(endpoint, 0L);
    }

    /** Sum over all hosts for one endpoint. */
    public long count(String endpoint) {
        return requests.values().stream().mapToLong(m -> m.getOrDefault(endpoint, 0L)).sum();
    }
}
