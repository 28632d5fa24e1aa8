package dev.happyview.backfill;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The claimer role of a job run, played by every process that runs the job: claims repos from the database and
 * starts their tasks within the process-wide pools (resolutions run ahead of fetches in a pool of their own), or in
 * Tap mode hands them to Tap.
 */
final class RepoClaimer {
    /** The process-wide limits every job's claimer draws from. */
    record Pools(Semaphore resolveSlots, Semaphore fetchSlots) {}

    private final UUID jobId;
    private final String owner;
    private final RepoStore repos;
    private final RepoTask repoTask;
    private final Pools pools;
    private final Set<String> working;
    private final Optional<RepoHandoff> handoff;
    private final BackfillSettings settings;
    private final Wakeup wakeup;
    private final BooleanSupplier stopFetching;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * @param working the repos of this job this process works on (the lease keeper renews exactly these)
     * @param stopFetching whether fetches in progress should stop at their next page boundary
     */
    RepoClaimer(UUID jobId, String owner, RepoStore repos, RepoTask repoTask, Pools pools, Set<String> working,
            Optional<RepoHandoff> handoff, BackfillSettings settings, Wakeup wakeup, BooleanSupplier stopFetching) {
        this.jobId = jobId;
        this.owner = owner;
        this.repos = repos;
        this.repoTask = repoTask;
        this.pools = pools;
        this.working = working;
        this.handoff = handoff;
        this.settings = settings;
        this.wakeup = wakeup;
        this.stopFetching = stopFetching;
    }

    /** The job cannot go on (Tap refused or stayed down, or this process cannot hand off at all). */
    static final class JobFailure extends Exception {
        JobFailure(String message) {
            super(message);
        }
    }

    /** Starts resolutions of pending repos and fetches of resolved ones; returns how many were started. */
    int claimAndStart(BackfillJob job) throws Exception {
        if (job.mode() == BackfillMode.TAP) return handOff(job);
        int started = claim(RepoStatus.PENDING, pools.resolveSlots(), claim -> repoTask.resolve(job, claim));
        started += claim(RepoStatus.RESOLVED, pools.fetchSlots(), claim -> repoTask.fetch(job, claim, stopFetching));
        return started;
    }

    private int claim(RepoStatus state, Semaphore slots, Consumer<RepoStore.Claim> work) throws Exception {
        int free = slots.availablePermits();
        // Claim in batches: one query per freed slot would make this loop the bottleneck of the whole job.
        int batch = Math.min(settings.claimBatch(), Math.max(1, settings.repoConcurrency() / 8));
        if (free <= 0 || (free < batch && inFlight.get() > 0)) return 0;
        List<RepoStore.Claim> claims = repos.claim(jobId, state, owner, Math.min(free, settings.claimBatch()),
                settings.repoLease());
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
                    wakeup.signal();
                }
            });
        }
        return claims.size();
    }

    /**
     * Tap mode: Tap resolves and fetches, so discovered repos go straight to it in batches. The hand-off retries
     * transient failures itself; one that remains (a rejected password, a Tap that stays down) fails the job.
     */
    private int handOff(BackfillJob job) throws Exception {
        if (handoff.isEmpty()) throw new JobFailure("the service is not in Tap mode (BACKFILL_MODE=direct)");
        List<RepoStore.Claim> claims = repos.claim(jobId, RepoStatus.PENDING, owner, handoff.get().batchSize(),
                settings.repoLease());
        if (claims.isEmpty()) return 0;
        List<String> dids = claims.stream().map(RepoStore.Claim::did).toList();
        try {
            handoff.get().handOff(dids, job.refetch());
            repos.markHandedOff(jobId, dids);
        } catch (RepoHandoff.HandoffException e) {
            repos.release(jobId, owner);
            throw new JobFailure(e.getMessage());
        }
        return claims.size();
    }

    /** Repo tasks of this job running in this process. */
    int inFlight() {
        return inFlight.get();
    }

    /** Waits for this process's tasks of the job to end, at most {@code max}. */
    void awaitTasks(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            wakeup.await(50);
        }
    }

    /** Gives back this process's claims of the job, so another process (or a later run) can take them. */
    void releaseClaims() throws Exception {
        repos.release(jobId, owner);
    }
}
