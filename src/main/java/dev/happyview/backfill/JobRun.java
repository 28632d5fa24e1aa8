package dev.happyview.backfill;

import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's share of one job: a loop that follows the job row and plays two roles. Every process running a job
 * claims repos for it ({@link RepoClaimer}); the one holding the job's coordinator lease also discovers, counts and
 * ends it ({@link JobCoordinator}).
 */
final class JobRun implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(JobRun.class);
    private static final long IDLE_WAIT_MS = 200;
    private static final long JOB_READ_INTERVAL_NANOS = 250_000_000L;
    private static final Duration TASKS_GRACE = Duration.ofSeconds(30);

    /** Builds the roles of one run; {@code stopFetching} tells fetches in progress to stop at a page boundary. */
    interface Roles {
        RepoClaimer claimer(UUID jobId, BooleanSupplier stopFetching);

        JobCoordinator coordinator(UUID jobId);
    }

    private final UUID jobId;
    private final JobStore jobs;
    private final RepoClaimer claimer;
    private final JobCoordinator coordinator;
    private final Wakeup wakeup;
    private final Consumer<JobRun> ended;
    private volatile boolean stopping;
    private volatile boolean cancelling;
    private volatile String fatalError;
    private boolean wasIdle;

    /** @param ended told when the run is over, its claims and lease given back */
    JobRun(UUID jobId, JobStore jobs, Roles roles, Wakeup wakeup, Consumer<JobRun> ended) {
        this.jobId = jobId;
        this.jobs = jobs;
        this.claimer = roles.claimer(jobId, () -> stopping || cancelling);
        this.coordinator = roles.coordinator(jobId);
        this.wakeup = wakeup;
        this.ended = ended;
    }

    UUID jobId() {
        return jobId;
    }

    /** Asks the run to stop at the next page boundary (process shutdown). */
    void stop() {
        stopping = true;
        wakeup.signal();
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
            claimer.awaitTasks(TASKS_GRACE);
            try {
                claimer.releaseClaims();
                coordinator.releaseLease();
            } catch (Exception e) {
                log.debug("job {}: could not release leases: {}", jobId, e.toString());
            }
            ended.accept(this);
        }
    }

    private void loop() throws Exception {
        BackfillJob job = null;
        long lastJobRead = 0;
        while (!stopping) {
            long now = System.nanoTime();
            boolean coordinates = coordinator.holdLease(now);
            // The job row changes rarely (cancel, discovery finishing); reading it a few times a second is enough.
            if (job == null || now - lastJobRead >= JOB_READ_INTERVAL_NANOS) {
                job = jobs.find(jobId).orElse(null);
                lastJobRead = now;
                if (job == null || job.status().isTerminal()) return;
            }
            if (job.status() == JobStatus.CANCELLING) {
                cancelling = true;
                claimer.awaitTasks(TASKS_GRACE);
                claimer.releaseClaims();
                if (coordinator.finishCancel(job)) return;
                wakeup.await(IDLE_WAIT_MS);
                job = null;
                continue;
            }
            if (fatalError != null) {
                if (coordinates) {
                    stopping = true;
                    claimer.awaitTasks(TASKS_GRACE);
                    coordinator.fail(job, fatalError);
                }
                return;
            }
            if (coordinates) coordinator.discover(job, () -> !stopping && coordinator.isCoordinator(), this::failWith);
            int started;
            try {
                started = claimer.claimAndStart(job);
            } catch (RepoClaimer.JobFailure e) {
                failWith(e.getMessage());
                continue;
            }
            // When this process's last task ends, look at once whether the job is done: otherwise a finished job
            // waits for the next periodic refresh, up to a second (10-20% of a short benchmark run).
            boolean idle = started == 0 && claimer.inFlight() == 0;
            boolean justWentIdle = idle && !wasIdle;
            wasIdle = idle;
            if (coordinates && (justWentIdle || coordinator.progressDue(now))) {
                if (coordinator.refreshProgress(job)) return;
                job = null; // the refresh may have seen discovery finish; read the row again
            }
            if (started == 0) wakeup.await(IDLE_WAIT_MS);
        }
    }

    private void failWith(String error) {
        fatalError = error;
    }
}
