package dev.happyview.api;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Short-lived bearer tokens for streams a browser opens with {@code EventSource}, which cannot send an
 * {@code Authorization} header. A caller with the stream's permission trades its API key for a random token that is
 * valid for {@link #TTL}; the token may be reused within that time, so an automatic reconnect still works.
 */
public final class StreamTokens {
    public static final Duration TTL = Duration.ofSeconds(60);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Long> expiries = new ConcurrentHashMap<>();
    private final Clock clock;

    public StreamTokens() {
        this(Clock.systemUTC());
    }

    StreamTokens(Clock clock) {
        this.clock = clock;
    }

    public String issue() {
        long now = clock.millis();
        expiries.values().removeIf(exp -> exp <= now);
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        expiries.put(token, now + TTL.toMillis());
        return token;
    }

    public boolean valid(String token) {
        if (token == null || token.isBlank()) return false;
        Long exp = expiries.get(token);
        return exp != null && exp > clock.millis();
    }
}
