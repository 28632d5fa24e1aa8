package dev.happyview.backfill;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A job as the admin API shows it: HappyView's fields ({@code id … created_at}) plus ours (failed and skipped
 * counts, rates, ETA, and per-stage progress in the detail view).
 */
public record JobView(
        UUID id,
        String collection,
        String did,
        List<String> dids,
        JobStatus status,
        JobStage stage,
        BackfillMode mode,
        String strategy,
        boolean prune,
        List<String> collections,
        int totalRepos,
        int resolvedRepos,
        int processedRepos,
        int failedRepos,
        int skippedRepos,
        int handedOffRepos,
        long totalRecords,
        double recordsPerSecond,
        double reposPerSecond,
        Long etaSeconds,
        String error,
        Instant startedAt,
        Instant completedAt,
        Instant createdAt,
        Instant updatedAt,
        List<StageProgress> stages) {

    /** One phase's progress: {@code state} is done, active or waiting. */
    public record StageProgress(JobStage stage, String state, long done, Long total) {}

    static JobView of(BackfillJob j, boolean withStages) {
        Long eta = null;
        if (j.status() == JobStatus.RUNNING && j.discoveryDone() && j.reposPerSecond() > 0) {
            eta = Math.round((j.totalRepos() - j.processedRepos()) / j.reposPerSecond());
        }
        return new JobView(j.id(), j.collection(), j.did(), j.dids(), j.status(), j.stage(), j.mode(), j.strategy(), j.prune(),
                j.collections(), j.totalRepos(), j.resolvedRepos(), j.processedRepos(), j.failedRepos(), j.skippedRepos(),
                j.handedOffRepos(), j.totalRecords(), round(j.recordsPerSecond()), round(j.reposPerSecond()), eta,
                j.error(), j.startedAt(), j.completedAt(), j.createdAt(), j.updatedAt(), withStages ? stages(j) : null);
    }

    /** Phases overlap, so each one is judged on its own: done, active (has made progress), waiting or stopped. */
    private static List<StageProgress> stages(BackfillJob j) {
        boolean ended = j.status().isTerminal();
        int order = j.stage().ordinal();
        return List.of(
                new StageProgress(JobStage.DISCOVERING_REPOS, state(j.discoveryDone(), true, ended),
                        j.totalRepos(), j.discoveryDone() ? (long) j.totalRepos() : null),
                new StageProgress(JobStage.RESOLVING_PDS,
                        state(order > JobStage.RESOLVING_PDS.ordinal(), j.resolvedRepos() > 0, ended),
                        j.resolvedRepos(), (long) j.totalRepos()),
                new StageProgress(JobStage.FETCHING_RECORDS,
                        state(j.stage() == JobStage.COMPLETED, j.processedRepos() > 0, ended),
                        j.processedRepos(), (long) j.totalRepos()));
    }

    private static String state(boolean done, boolean started, boolean ended) {
        if (done) return "done";
        if (ended) return "stopped";
        return started ? "active" : "waiting";
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }
}
