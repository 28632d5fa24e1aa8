package dev.happyview.simnet;

import dev.happyview.protocol.syntax.Nsid;
import java.util.List;
import java.util.Objects;

/**
 * What a simulated network looks like. Everything except TCP ports (and so did:web DIDs) is a pure
 * function of {@link #seed}.
 *
 * <p>Records per repo: with probability {@code largeShare} a repo is "large" with a uniform count in
 * {@code (smallMax, largeMax]}; otherwise it is small with {@code 1 + floor(smallMax * u^2)} records
 * (u uniform in [0,1): skewed towards tiny repos, mean about smallMax/3). On top of that
 * {@code giants} repos hold exactly {@code giantRecords} records each. Each record goes to a collection
 * with weight {@code 1/(c+1)} for the c-th collection of {@link #collections}.
 *
 * @param latencyMs          added before every answer of every host
 * @param rateLimitPoints    points per window per PDS host (0 = unlimited)
 * @param rateLimitWindowSec window length in seconds
 * @param getRepoRateLimitPoints points per window of a separate {@code getRepo} budget per PDS host, as newer PDS
 *                           versions keep (0 = getRepo is charged to the host's one budget)
 * @param getRepoRateLimitWindowSec that budget's window length in seconds
 * @param faults             fault spec, see {@link Faults}
 */
public record Scenario(long seed, int repos, int pdsHosts, List<String> collections,
                       int smallMax, double largeShare, int largeMax, int giants, int giantRecords,
                       double didWebShare, int latencyMs, int rateLimitPoints, int rateLimitWindowSec,
                       int getRepoRateLimitPoints, int getRepoRateLimitWindowSec, String faults) {
    public static final List<String> DEFAULT_COLLECTIONS =
            List.of("app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.graph.follow");

    public Scenario {
        collections = List.copyOf(collections);
        if (repos < 0 || pdsHosts < 1 || collections.isEmpty() || smallMax < 1 || largeMax <= smallMax
                || giants < 0 || giantRecords < 0 || giants > repos || latencyMs < 0 || rateLimitPoints < 0
                || rateLimitWindowSec < 1 || getRepoRateLimitPoints < 0 || getRepoRateLimitWindowSec < 1
                || (getRepoRateLimitPoints > 0 && rateLimitPoints == 0) || largeShare < 0 || largeShare > 1 || didWebShare < 0 || didWebShare > 1) {
            throw new IllegalArgumentException("invalid scenario: " + Objects.toString(collections));
        }
        for (String c : collections) {
            Nsid.parse(c);
        }
        faults = faults == null ? "" : faults;
        Faults.parse(faults); // validate early
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The budget every request to a PDS host is charged to (getRepo excepted when it has its own). */
    FixedWindowBudget.Spec pdsLimit() {
        return new FixedWindowBudget.Spec(rateLimitPoints, rateLimitWindowSec);
    }

    /** getRepo's own budget, or {@link FixedWindowBudget.Spec#NONE} when it shares {@link #pdsLimit()}. */
    FixedWindowBudget.Spec getRepoLimit() {
        return getRepoRateLimitPoints > 0 ? new FixedWindowBudget.Spec(getRepoRateLimitPoints, getRepoRateLimitWindowSec)
                : FixedWindowBudget.Spec.NONE;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.seed = seed; b.repos = repos; b.pdsHosts = pdsHosts; b.collections = collections;
        b.smallMax = smallMax; b.largeShare = largeShare; b.largeMax = largeMax; b.giants = giants;
        b.giantRecords = giantRecords; b.didWebShare = didWebShare; b.latencyMs = latencyMs;
        b.rateLimitPoints = rateLimitPoints; b.rateLimitWindowSec = rateLimitWindowSec;
        b.getRepoRateLimitPoints = getRepoRateLimitPoints; b.getRepoRateLimitWindowSec = getRepoRateLimitWindowSec;
        b.faults = faults;
        return b;
    }

    public static final class Builder {
        private long seed = 1;
        private int repos = 100;
        private int pdsHosts = 3;
        private List<String> collections = DEFAULT_COLLECTIONS;
        private int smallMax = 200;
        private double largeShare = 0.01;
        private int largeMax = 3000;
        private int giants;
        private int giantRecords;
        private double didWebShare;
        private int latencyMs;
        private int rateLimitPoints;
        private int rateLimitWindowSec = 300;
        private int getRepoRateLimitPoints;
        private int getRepoRateLimitWindowSec = 300;
        private String faults = "";

        public Builder seed(long v) { seed = v; return this; }
        public Builder repos(int v) { repos = v; return this; }
        public Builder pdsHosts(int v) { pdsHosts = v; return this; }
        public Builder collections(List<String> v) { collections = v; return this; }
        public Builder collections(String... v) { collections = List.of(v); return this; }
        /** Small repos hold 1..smallMax records. */
        public Builder smallMax(int v) { smallMax = v; return this; }
        public Builder largeShare(double v) { largeShare = v; return this; }
        public Builder largeMax(int v) { largeMax = v; return this; }
        /** n giant repos of k records each (counted within {@link #repos}). */
        public Builder giants(int n, int k) { giants = n; giantRecords = k; return this; }
        public Builder didWebShare(double v) { didWebShare = v; return this; }
        public Builder latencyMs(int v) { latencyMs = v; return this; }
        /** points per window (0 = unlimited). */
        public Builder rateLimit(int points, int windowSec) { rateLimitPoints = points; rateLimitWindowSec = windowSec; return this; }
        /** A separate getRepo budget of points per window (0 = getRepo shares the host's budget); needs a rate limit. */
        public Builder getRepoRateLimit(int points, int windowSec) {
            getRepoRateLimitPoints = points; getRepoRateLimitWindowSec = windowSec; return this;
        }
        public Builder faults(String v) { faults = v; return this; }

        public Scenario build() {
            return new Scenario(seed, repos, pdsHosts, collections, smallMax, largeShare, largeMax, giants,
                    giantRecords, didWebShare, latencyMs, rateLimitPoints, rateLimitWindowSec, getRepoRateLimitPoints,
                    getRepoRateLimitWindowSec, faults);
        }
    }
}
