package dev.happyview.protocol.xrpc;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Reads the {@code RateLimit-*} and {@code Retry-After} headers. {@code RateLimit-Reset} is the atproto convention of
 * Unix epoch seconds; a small value is taken as the IETF draft's delta-seconds form instead.
 */
record RateLimitHeaders(OptionalLong limit, OptionalLong remaining, OptionalLong resetEpochMillis,
        OptionalLong policyWindowSeconds, OptionalLong retryAfterEpochMillis) {

    private static final long EPOCH_THRESHOLD = 1_000_000_000L;

    /** {@code header} answers a header's first value, or null when the response has none. */
    static RateLimitHeaders parse(Function<String, String> header, long nowMillis) {
        Function<String, Optional<String>> h = name -> Optional.ofNullable(header.apply(name));
        OptionalLong reset = number(h, "RateLimit-Reset");
        if (reset.isPresent()) {
            long v = reset.getAsLong();
            reset = OptionalLong.of(v >= EPOCH_THRESHOLD ? v * 1000 : nowMillis + v * 1000);
        }
        OptionalLong window = OptionalLong.empty();
        var policy = h.apply("RateLimit-Policy");
        if (policy.isPresent()) {
            for (String part : policy.get().split(";")) {
                String p = part.trim();
                if (p.startsWith("w=")) window = parseLong(p.substring(2));
            }
        }
        return new RateLimitHeaders(number(h, "RateLimit-Limit"), number(h, "RateLimit-Remaining"), reset, window,
                retryAfter(h, nowMillis));
    }

    boolean announced() {
        return remaining.isPresent() && resetEpochMillis.isPresent();
    }

    /** How long a 429 asks us to wait: until the reset, else Retry-After, else 5 s. */
    Duration waitAfter429(long nowMillis) {
        if (resetEpochMillis.isPresent()) return Duration.ofMillis(Math.max(0, resetEpochMillis.getAsLong() - nowMillis));
        if (retryAfterEpochMillis.isPresent()) {
            return Duration.ofMillis(Math.max(0, retryAfterEpochMillis.getAsLong() - nowMillis));
        }
        return Duration.ofSeconds(5);
    }

    private static OptionalLong retryAfter(Function<String, Optional<String>> h, long nowMillis) {
        var v = h.apply("Retry-After");
        if (v.isEmpty()) return OptionalLong.empty();
        String s = v.get().trim();
        OptionalLong secs = parseLong(s);
        if (secs.isPresent()) return OptionalLong.of(nowMillis + secs.getAsLong() * 1000);
        try {
            return OptionalLong.of(ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli());
        } catch (RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    private static OptionalLong number(Function<String, Optional<String>> h, String name) {
        return h.apply(name).map(v -> parseLong(v.trim())).orElse(OptionalLong.empty());
    }

    private static OptionalLong parseLong(String s) {
        try {
            long v = Long.parseLong(s);
            return v < 0 ? OptionalLong.empty() : OptionalLong.of(v);
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
