package dev.happyview.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** A stream token is good for exactly its time to live, and only a token that was issued is good at all. */
class StreamTokensTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void aTokenExpiresAtTheEndOfItsTimeToLive() {
        var clock = new ManualClock();
        var tokens = new StreamTokens(clock);
        String token = tokens.issue();
        assertThat(tokens.valid(token)).isTrue();
        clock.advance(StreamTokens.TTL.minusMillis(1));
        assertThat(tokens.valid(token)).as("reused within its time to live (a reconnect)").isTrue();
        String later = tokens.issue();
        clock.advance(Duration.ofMillis(1));
        assertThat(tokens.valid(token)).as("at its expiry").isFalse();
        assertThat(tokens.valid(later)).as("a token issued later lives on").isTrue();
        clock.advance(StreamTokens.TTL);
        tokens.issue(); // sweeps the expired ones
        assertThat(tokens.valid(token)).isFalse();
        assertThat(tokens.valid(later)).isFalse();
    }

    @Test
    void onlyIssuedTokensAreValid() {
        var tokens = new StreamTokens(new ManualClock());
        String token = tokens.issue();
        assertThat(token).matches("[0-9a-f]{48}");
        assertThat(tokens.valid(null)).isFalse();
        assertThat(tokens.valid("")).isFalse();
        assertThat(tokens.valid(token.substring(1) + "0")).isFalse();
        assertThat(tokens.issue()).isNotEqualTo(token);
    }
}
