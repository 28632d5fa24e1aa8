package dev.happyview.backfill;

import dev.happyview.config.Config;
import dev.happyview.config.Setting;
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
 * @param mode how new jobs get their records
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
        String defaultStrategy,
        BackfillMode mode) {

    public static BackfillSettings from(Config c) {
        var d = defaults();
        long lease = c.getLong(Setting.BACKFILL_LEASE_SECONDS);
        return new BackfillSettings(c.getInt(Setting.BACKFILL_CONCURRENCY), d.resolveConcurrency(),
                d.claimBatch(), Duration.ofSeconds(lease), Duration.ofSeconds(Math.max(3, lease / 3)),
                d.progressInterval(), c.getInt(Setting.BACKFILL_MAX_ATTEMPTS),
                Duration.ofMillis(Math.round(c.getDouble(Setting.BACKFILL_RETRY_SECONDS) * 1000)),
                d.retryMax(), c.get(Setting.BACKFILL_STRATEGY), BackfillMode.parse(c.get(Setting.BACKFILL_MODE)));
    }

    public static BackfillSettings defaults() {
        return new BackfillSettings(256, 64, 64, Duration.ofSeconds(60), Duration.ofSeconds(20), Duration.ofSeconds(1),
                5, Duration.ofSeconds(5), Duration.ofMinutes(5), "auto", BackfillMode.DIRECT);
    }
}
