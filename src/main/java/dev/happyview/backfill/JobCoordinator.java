package dev.happyview.backfill;

import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator role of a job run, played by the one process that holds the job's coordinator lease: runs
 * discovery, refreshes the counters and rates, and ends the job (completed, cancelled or failed). If that process
 * dies its lease expires and another process's run takes the role over, continuing discovery from the saved cursor.
 */
final class JobCoordinator {
    private static final Logger log = LoggerFactory.getLogger(JobCoordinator.class);

    private final UUID jobId;
    private final String owner;
    private final JobStore jobs;
    private final RepoStore repos;
    private final Discovery discovery;
    private final BackfillSettings settings;
    private final Wakeup wakeup;
    private volatile boolean coordinator;
    private long lastLeaseCheck;
    private Thread discoveryThread;
    private long lastProgressAt;
    private JobStore.Progress lastProgress;
    private double recordsPerSecond;
    private double reposPerSecond;

    JobCoordinator(UUID jobId, String owner, JobStore jobs, RepoStore repos, Discovery discovery,
            BackfillSettings settings, Wakeup wakeup) {
        this.jobId = jobId;
        this.owner = owner;
        this.jobs = jobs;
        this.repos = repos;
        this.discovery = discovery;
        this.settings = settings;
        this.wakeup = wakeup;
    }

    /** Takes or renews the coordinator lease, a few times per lease period; returns whether this run coordinates. */
    boolean holdLease(long now) throws Exception {
        if (now - lastLeaseCheck >= settings.coordinatorLease().toNanos() / 4) {
            coordinator = jobs.tryCoordinate(jobId, owner, settings.coordinatorLease());
            lastLeaseCheck = now;
        }
        return coordinator;
    }

    boolean isCoordinator() {
        return coordinator;
    }

    /**
     * Starts discovery unless it is done or already running.
     *
     * @param keepGoing whether discovery should go on (the run is not stopping and still coordinates)
     * @param onFailure told why when discovery cannot go on (the relay refused the job)
     */
    void discover(BackfillJob job, BooleanSupplier keepGoing, Consumer<String> onFailure) {
        if (job.discoveryDone() || (discoveryThread != null && discoveryThread.isAlive())) return;
        discoveryThread = Thread.ofVirtual().name("discovery-" + jobId).start(() -> {
            try {
                discovery.run(job, keepGoing, wakeup::signal);
            } catch (DiscoveryException e) {
                onFailure.accept(e.getMessage());
            } catch (Exception e) {
                log.warn("job {}: discovery interrupted: {}", jobId, e.toString());
            }
            wakeup.signal();
        });
    }

    /** Whether the counters are due for a refresh. */
    boolean progressDue(long now) {
        return now - lastProgressAt >= settings.progressInterval().toNanos();
    }

    /** Refreshes counters and stage; ends the job when nothing is left. Returns true when the job ended. */
    boolean refreshProgress(BackfillJob job) throws Exception {
        long now = System.nanoTime();
        JobStore.Progress p = jobs.progress(jobId);
        if (lastProgress != null) {
            double secs = (now - lastProgressAt) / 1e9;
            recordsPerSecond = ewma(recordsPerSecond, (p.records() - lastProgress.records()) / secs);
            reposPerSecond = ewma(reposPerSecond, (p.processed() - lastProgress.processed()) / secs);
        }
        lastProgress = p;
        lastProgressAt = now;
        boolean discovered = job.discoveryDone();
        if (discovered && p.unfetched() == 0) {
            String note = job.collections().isEmpty() ? "no backfill-eligible collections" : null;
            boolean ended = jobs.finish(jobId, JobStatus.COMPLETED, JobStage.COMPLETED, p, note, JobStatus.RUNNING);
            if (ended) log.info("job {} completed: {} repos, {} records", jobId, p.total(), p.records());
            return ended;
        }
        jobs.saveProgress(jobId, p, stageOf(job, discovered, p), recordsPerSecond, reposPerSecond);
        return false;
    }

    /**
     * Ends a cancelled job once no process holds a lease on its repos; the claims of this process are already given
     * back. Returns true when the run may end: the job was ended here, or this run does not coordinate.
     */
    boolean finishCancel(BackfillJob job) throws Exception {
        if (!coordinator || repos.hasLiveLeases(jobId)) return !coordinator;
        JobStore.Progress p = jobs.progress(jobId);
        jobs.finish(jobId, JobStatus.CANCELLED, stageOf(job, job.discoveryDone(), p), p, "cancelled by user",
                JobStatus.CANCELLING);
        log.info("job {} cancelled", jobId);
        return true;
    }

    /** Ends the job as failed; the run's tasks have ended. */
    void fail(BackfillJob job, String error) throws Exception {
        JobStore.Progress p = jobs.progress(jobId);
        jobs.finish(jobId, JobStatus.FAILED, stageOf(job, job.discoveryDone(), p), p, error, JobStatus.RUNNING,
                JobStatus.PENDING);
        log.warn("job {} failed: {}", jobId, error);
    }

    /** Gives the lease back when the run ends, so another process need not wait for it to expire. */
    void releaseLease() throws Exception {
        if (coordinator) jobs.releaseCoordinator(jobId, owner);
    }

    /** In Tap mode the hand-off is reported as {@code fetching_records}: Tap resolves and fetches. */
    static JobStage stageOf(BackfillJob job, boolean discoveryDone, JobStore.Progress p) {
        if (!discoveryDone) return JobStage.DISCOVERING_REPOS;
        if (job.mode() == BackfillMode.TAP) return p.unfetched() > 0 ? JobStage.FETCHING_RECORDS : JobStage.COMPLETED;
        if (p.pending() > 0) return JobStage.RESOLVING_PDS;
        if (p.unfetched() > 0) return JobStage.FETCHING_RECORDS;
        return JobStage.COMPLETED;
    }

    private static double ewma(double previous, double sample) {
        return previous == 0 ? sample : previous * 0.7 + sample * 0.3;
    }
}
