package dev.happyview.backfill;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's share of one job. Every process running a job claims repos for it; the one holding the job's
 * coordinator lease also runs discovery, refreshes the counters and ends the job. If the coordinator dies its lease
 * expires and another process takes over, continuing discovery from the persisted cursor.
 */
final class JobRun implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(JobRun.class);
    private static final long IDLE_WAIT_MS = 200;
    private static final long JOB_READ_INTERVAL_NANOS = 250_000_000L;

    private final UUID jobId;
    private final BackfillEngine engine;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean stopping;
    private volatile boolean cancelling;
    private volatile String fatalError;
    private Thread discoveryThread;
    private boolean coordinator;
    private long lastLeaseCheck;
    private long lastProgressAt;
    private boolean wasIdle;
    private JobStore.Progress lastProgress;
    private double recordsPerSecond;
    private double reposPerSecond;

    JobRun(UUID jobId, BackfillEngine engine) {
        this.jobId = jobId;
        this.engine = engine;
    }

    UUID jobId() {
        return jobId;
    }

    /** Asks the run to stop at the next page boundary (process shutdown). */
    void stop() {
        stopping = true;
        engine.signal();
    }

    boolean isStopping() {
        return stopping;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A database outage lands here; the job stays as it is and the scheduler retries it later.
            log.warn("job {}: run interrupted by {}", jobId, e.toString());
        } finally {
            stopping = true;
            awaitTasks(Duration.ofSeconds(30));
            try {
                engine.repos().release(jobId, engine.owner());
                if (coordinator) engine.jobs().releaseCoordinator(jobId, engine.owner());
            } catch (Exception e) {
                log.debug("job {}: could not release leases: {}", jobId, e.toString());
            }
            engine.runEnded(this);
        }
    }

    private void loop() throws Exception {
        BackfillJob job = null;
        long lastJobRead = 0;
        while (!stopping) {
            long now = System.nanoTime();
            if (now - lastLeaseCheck >= engine.settings().coordinatorLease().toNanos() / 4) {
                coordinator = engine.jobs().tryCoordinate(jobId, engine.owner(), engine.settings().coordinatorLease());
                lastLeaseCheck = now;
            }
            // The job row changes rarely (cancel, discovery finishing); reading it a few times a second is enough.
            if (job == null || now - lastJobRead >= JOB_READ_INTERVAL_NANOS) {
                job = engine.jobs().find(jobId).orElse(null);
                lastJobRead = now;
                if (job == null || job.status().isTerminal()) return;
            }
            if (job.status() == JobStatus.CANCELLING) {
                cancelling = true;
                if (finishCancel(job)) return;
                engine.await(IDLE_WAIT_MS);
                job = null;
                continue;
            }
            if (fatalError != null) {
                if (coordinator) fail(job, fatalError);
                return;
            }
            if (coordinator && !job.discoveryDone() && (discoveryThread == null || !discoveryThread.isAlive())) {
                startDiscovery(job);
            }
            int started = claimAndStart(job);
            // When this process's last task ends, look at once whether the job is done: otherwise a finished job
            // waits for the next periodic refresh, up to a second (10-20% of a short benchmark run).
            boolean idle = started == 0 && inFlight.get() == 0;
            boolean justWentIdle = idle && !wasIdle;
            wasIdle = idle;
            if (coordinator && (justWentIdle || now - lastProgressAt >= engine.settings().progressInterval().toNanos())) {
                if (refreshProgress(job)) return;
                job = null; // the refresh may have seen discovery finish; read the row again
            }
            if (started == 0) engine.await(IDLE_WAIT_MS);
        }
    }

    private void startDiscovery(BackfillJob job) {
        discoveryThread = Thread.ofVirtual().name("discovery-" + jobId).start(() -> {
            try {
                engine.discovery().run(job, () -> !stopping && coordinator, engine::signal);
            } catch (DiscoveryException e) {
                fatalError = e.getMessage();
            } catch (Exception e) {
                log.warn("job {}: discovery interrupted: {}", jobId, e.toString());
            }
            engine.signal();
        });
    }

    /** Starts resolutions of pending repos and fetches of resolved ones, each within its engine-wide pool. */
    private int claimAndStart(BackfillJob job) throws Exception {
        if (job.mode() == BackfillMode.TAP) return handOff(job);
        int started = claim(job, RepoStatus.PENDING, engine.resolveSlots(), (claim) -> engine.repoTask().resolve(job, claim));
        started += claim(job, RepoStatus.RESOLVED, engine.repoSlots(),
                (claim) -> engine.repoTask().fetch(job, claim, () -> stopping || cancelling));
        return started;
    }

    private int claim(BackfillJob job, RepoStatus state, Semaphore slots, java.util.function.Consumer<RepoStore.Claim> work)
            throws Exception {
        int free = slots.availablePermits();
        // Claim in batches: one query per freed slot would make this loop the bottleneck of the whole job.
        int batch = Math.min(engine.settings().claimBatch(), Math.max(1, engine.settings().repoConcurrency() / 8));
        if (free <= 0 || (free < batch && inFlight.get() > 0)) return 0;
        List<RepoStore.Claim> claims = engine.repos().claim(jobId, state, engine.owner(),
                Math.min(free, engine.settings().claimBatch()), engine.settings().repoLease());
        var working = engine.working(jobId);
        for (RepoStore.Claim claim : claims) {
            slots.acquireUninterruptibly();
            inFlight.incrementAndGet();
            working.add(claim.did());
            Thread.ofVirtual().name(state.wire() + "-" + claim.did()).start(() -> {
                try {
                    work.accept(claim);
                } finally {
                    working.remove(claim.did());
                    inFlight.decrementAndGet();
                    slots.release();
                    engine.signal();
                }
            });
        }
        return claims.size();
    }

    /**
     * Tap mode: Tap resolves and fetches, so discovered repos go straight to it in batches of up to 1000. Transient
     * failures are retried three times with backoff; a rejected password or a Tap that stays down fails the job.
     */
    private int handOff(BackfillJob job) throws Exception {
        if (engine.handoff().isEmpty()) {
            fatalError = "the service is not in Tap mode (BACKFILL_MODE=direct)";
            return 0;
        }
        RepoHandoff handoff = engine.handoff().get();
        List<RepoStore.Claim> claims = engine.repos().claim(jobId, RepoStatus.PENDING, engine.owner(),
                handoff.batchSize(), engine.settings().repoLease());
        if (claims.isEmpty()) return 0;
        List<String> dids = claims.stream().map(RepoStore.Claim::did).toList();
        try {
            handoff.handOff(dids, job.refetch());
            engine.repos().markHandedOff(jobId, dids);
        } catch (RepoHandoff.HandoffException e) {
            engine.repos().release(jobId, engine.owner());
            fatalError = e.getMessage();
        }
        return claims.size();
    }

    /** Refreshes counters and stage; ends the job when nothing is left. Returns true when the job ended. */
    private boolean refreshProgress(BackfillJob job) throws Exception {
        long now = System.nanoTime();
        JobStore.Progress p = engine.jobs().progress(jobId);
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
            boolean ended = engine.jobs().finish(jobId, JobStatus.COMPLETED, JobStage.COMPLETED, p, note, JobStatus.RUNNING);
            if (ended) log.info("job {} completed: {} repos, {} records", jobId, p.total(), p.records());
            return ended;
        }
        engine.jobs().saveProgress(jobId, p, stageOf(job, discovered, p), recordsPerSecond, reposPerSecond);
        return false;
    }

    private boolean finishCancel(BackfillJob job) throws Exception {
        awaitTasks(Duration.ofSeconds(30));
        engine.repos().release(jobId, engine.owner());
        if (!coordinator || engine.repos().hasLiveLeases(jobId)) return !coordinator;
        JobStore.Progress p = engine.jobs().progress(jobId);
        engine.jobs().finish(jobId, JobStatus.CANCELLED, stageOf(job, job.discoveryDone(), p), p, "cancelled by user",
                JobStatus.CANCELLING);
        log.info("job {} cancelled", jobId);
        return true;
    }

    private void fail(BackfillJob job, String error) throws Exception {
        stopping = true;
        awaitTasks(Duration.ofSeconds(30));
        JobStore.Progress p = engine.jobs().progress(jobId);
        engine.jobs().finish(jobId, JobStatus.FAILED, stageOf(job, job.discoveryDone(), p), p, error, JobStatus.RUNNING,
                JobStatus.PENDING);
        log.warn("job {} failed: {}", jobId, error);
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

    private void awaitTasks(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            engine.await(50);
        }
    }
}
