package dev.happyview.backfill;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A backfill job row. {@code collections} are the target collections fixed when the job was created; {@code dids} the
 * accounts it names (empty: discover repos via the relay), {@code did} the one account when it names exactly one.
 */
public record BackfillJob(
        UUID id,
        String collection,
        String did,
        List<String> dids,
        JobStatus status,
        JobStage stage,
        BackfillMode mode,
        String strategy,
        boolean prune,
        boolean refetch,
        List<String> collections,
        boolean discoveryDone,
        int discoveryIndex,
        String discoveryCursor,
        int totalRepos,
        int resolvedRepos,
        int processedRepos,
        int failedRepos,
        int skippedRepos,
        int handedOffRepos,
        long totalRecords,
        double recordsPerSecond,
        double reposPerSecond,
        String error,
        Instant createdAt,
        Instant startedAt,
        Instant completedAt,
        Instant updatedAt) {}
