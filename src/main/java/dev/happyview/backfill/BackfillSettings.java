package dev.happyview.backfill;

import java.time.Duration;

/**
 * How hard one process works. Per-host politeness (concurrency, request rate, 429 handling) lives in the XRPC
 * client's host policy; these limits are about the process as a whole.
 *
 * @param repoConcurrency repos in flight at once in this process, across all jobs
 * @param resolveConcurrency DID resolutions in flight at once
 * @param claimBatch repos claimed from the database per query
 * @param repoLease how long a claim lasts without renewal (a dead process's claims come back after this)
 * @param coordinatorLease how long a job's coordinator lease lasts without renewal
 * @param progressInterval how often job counters are refreshed
 * @param maxAttempts attempts per repo before a transient failure becomes {@code failed}
 * @param retryBase first retry delay for a repo; doubles per attempt up to {@code retryMax}
 * @param defaultStrategy fetch strategy for jobs that do not name one
 */
public record BackfillSettings(
        int repoConcurrency,
        int resolveConcurrency,
        int claimBatch,
        Duration repoLease,
        Duration coordinatorLease,
        Duration progressInterval,
        int maxAttempts,
        Duration retryBase,
        Duration retryMax,
        String defaultStrategy) {

    public static BackfillSettings from(dev.happyview.config.Config c) {
        var d = defaults();
        long lease = c.getLong(dev.happyview.config.Setting.BACKFILL_LEASE_SECONDS);
        return new BackfillSettings(c.getInt(dev.happyview.config.Setting.BACKFILL_CONCURRENCY), d.resolveConcurrency(),
                d.claimBatch(), Duration.ofSeconds(lease), Duration.ofSeconds(Math.max(3, lease / 3)),
                d.progressInterval(), c.getInt(dev.happyview.config.Setting.BACKFILL_MAX_ATTEMPTS),
                Duration.ofMillis(Math.round(c.getDouble(dev.happyview.config.Setting.BACKFILL_RETRY_SECONDS) * 1000)),
                d.retryMax(), c.get(dev.happyview.config.Setting.BACKFILL_STRATEGY));
    }

    public static BackfillSettings defaults() {
        return new BackfillSettings(256, 64, 64, Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(1),
                5, Duration.ofSeconds(5), Duration.ofMinutes(5), "auto");
    }

    public BackfillSettings withRetryBase(Duration base) {
        return new BackfillSettings(repoConcurrency, resolveConcurrency, claimBatch, repoLease, coordinatorLease,
                progressInterval, maxAttempts, base, retryMax, defaultStrategy);
    }

    public BackfillSettings withLeases(Duration repo, Duration coordinator) {
        return new BackfillSettings(repoConcurrency, resolveConcurrency, claimBatch, repo, coordinator,
                progressInterval, maxAttempts, retryBase, retryMax, defaultStrategy);
    }

    public BackfillSettings withRepoConcurrency(int n) {
        return new BackfillSettings(n, resolveConcurrency, claimBatch, repoLease, coordinatorLease,
                progressInterval, maxAttempts, retryBase, retryMax, defaultStrategy);
    }
}
