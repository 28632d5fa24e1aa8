package dev.happyview.backfill;

import java.time.Instant;
import java.util.List;

/** One repo's row within a job, as operators see it. */
public record BackfillRepo(
        String did,
        RepoStatus status,
        String pdsEndpoint,
        List<String> collections,
        int recordCount,
        int attempts,
        String lastError,
        String fetchStrategy,
        Instant nextAttemptAt,
        Instant updatedAt) {}
