package dev.happyview.protocol.xrpc;

import java.time.Duration;

/**
 * Timeouts, limits and politeness of outbound HTTP.
 *
 * @param connectTimeout TCP/TLS connect
 * @param requestTimeout until response headers, and for a whole JSON body
 * @param streamIdleTimeout a streamed body (a CAR) that makes no progress this long is cut off
 * @param maxJsonBytes largest JSON body (after gunzip)
 * @param maxStreamBytes largest streamed body (after gunzip)
 * @param attempts tries per call for transient failures (429 waits are counted separately)
 * @param backoffBase first retry delay, doubled per attempt with jitter
 * @param maxRateLimitWait longest wait for a 429's reset; a longer reset fails the call as transient
 * @param maxRateLimitWaits 429 waits per call before giving up
 * @param perHostConcurrency requests in flight to one PDS or did:web host
 * @param trustedHostConcurrency requests in flight to the relay or the PLC directory (configured by the operator)
 * @param defaultHostRate requests per second to a host that does not announce its limits
 * @param defaultHostBurst burst for such a host; with the rate, any 5-minute window stays under burst + 300·rate
 * @param allowPrivateNetwork allow loopback/private addresses and plain http for PDS and did:web hosts
 */
public record ClientSettings(
        Duration connectTimeout,
        Duration requestTimeout,
        Duration streamIdleTimeout,
        long maxJsonBytes,
        long maxStreamBytes,
        int attempts,
        Duration backoffBase,
        Duration maxRateLimitWait,
        int maxRateLimitWaits,
        int perHostConcurrency,
        int trustedHostConcurrency,
        double defaultHostRate,
        int defaultHostBurst,
        boolean allowPrivateNetwork) {

    public static ClientSettings defaults(boolean allowPrivateNetwork) {
        return new ClientSettings(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30),
                64L << 20, 8L << 30, 4, Duration.ofMillis(250), Duration.ofSeconds(120), 10, 8, 32, 9.0, 300,
                allowPrivateNetwork);
    }

    public ClientSettings withTimeouts(Duration connect, Duration request, Duration streamIdle) {
        return new ClientSettings(connect, request, streamIdle, maxJsonBytes, maxStreamBytes, attempts, backoffBase,
                maxRateLimitWait, maxRateLimitWaits, perHostConcurrency, trustedHostConcurrency, defaultHostRate, defaultHostBurst,
                allowPrivateNetwork);
    }

    public ClientSettings withLimits(long maxJson, long maxStream) {
        return new ClientSettings(connectTimeout, requestTimeout, streamIdleTimeout, maxJson, maxStream, attempts,
                backoffBase, maxRateLimitWait, maxRateLimitWaits, perHostConcurrency, trustedHostConcurrency, defaultHostRate, defaultHostBurst,
                allowPrivateNetwork);
    }

    public ClientSettings withRetries(int attempts, Duration backoffBase, Duration maxRateLimitWait) {
        return new ClientSettings(connectTimeout, requestTimeout, streamIdleTimeout, maxJsonBytes, maxStreamBytes,
                attempts, backoffBase, maxRateLimitWait, maxRateLimitWaits, perHostConcurrency, trustedHostConcurrency, defaultHostRate,
                defaultHostBurst, allowPrivateNetwork);
    }

    public ClientSettings withHostLimits(int concurrency, double rate, int burst) {
        return new ClientSettings(connectTimeout, requestTimeout, streamIdleTimeout, maxJsonBytes, maxStreamBytes,
                attempts, backoffBase, maxRateLimitWait, maxRateLimitWaits, concurrency, trustedHostConcurrency, rate, burst,
                allowPrivateNetwork);
    }
}
