package dev.happyview.protocol.firehose;

import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.syntax.Tid;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The sync spec's per-repo rules for a verified event against what the consumer last applied for that
 * repo ({@code rev} and the MST root {@code data} of that commit).
 */
public final class SyncRules {
    /** How far ahead of our clock a rev may be (the spec's "a few minutes" of clock drift). */
    public static final Duration CLOCK_DRIFT = Duration.ofMinutes(5);

    /** What to do with the event. */
    public enum Verdict {
        /** It chains on the stored state: apply it. */
        APPLY,
        /** Its rev is at or below the stored one: ignore it (a replay or a duplicate). */
        STALE,
        /** Its rev is a time beyond the allowed drift: reject it. */
        FUTURE,
        /** It does not chain (events were missed, or the repo was reset): the repo needs a resync. */
        GAP,
        /** A {@code #sync} that confirms the stored state: nothing to do but note its rev. */
        IN_SYNC
    }

    /** The decision and, for a gap, which link broke. */
    public record Decision(Verdict verdict, String reason) {}

    private SyncRules() {}

    /**
     * @param storedRev the rev last applied for the repo (not null: a repo with no state needs a full fetch first)
     * @param storedData the MST root of that commit, or null if unknown
     */
    public static Decision commit(String storedRev, Cid storedData, String rev, String since, Cid prevData, Instant now) {
        Objects.requireNonNull(storedRev, "storedRev");
        Decision order = order(storedRev, rev, now);
        if (order != null) {
            return order;
        }
        if (!storedRev.equals(since)) {
            return new Decision(Verdict.GAP, "since " + since + " is not the stored rev " + storedRev);
        }
        if (prevData != null && storedData != null && !prevData.equals(storedData)) {
            return new Decision(Verdict.GAP, "prevData " + prevData + " is not the stored data " + storedData);
        }
        return new Decision(Verdict.APPLY, null);
    }

    /** A {@code #sync}: the repo is now at {@code data} as of {@code rev}. */
    public static Decision sync(String storedRev, Cid storedData, String rev, Cid data, Instant now) {
        Objects.requireNonNull(storedRev, "storedRev");
        Decision order = order(storedRev, rev, now);
        if (order != null) {
            return order;
        }
        return data.equals(storedData) ? new Decision(Verdict.IN_SYNC, null)
                : new Decision(Verdict.GAP, "#sync moves the repo to data " + data + " from " + storedData);
    }

    /** True when {@code rev} encodes a time beyond {@code now} plus the allowed drift. */
    public static boolean isFuture(String rev, Instant now) {
        long micros = Tid.micros(rev);
        Instant limit = now.plus(CLOCK_DRIFT);
        return micros > limit.getEpochSecond() * 1_000_000L + limit.getNano() / 1_000;
    }

    private static Decision order(String storedRev, String rev, Instant now) {
        if (rev.compareTo(storedRev) <= 0) {
            return new Decision(Verdict.STALE, null);
        }
        if (isFuture(rev, now)) {
            return new Decision(Verdict.FUTURE, "rev " + rev + " is in the future");
        }
        return null;
    }
}
