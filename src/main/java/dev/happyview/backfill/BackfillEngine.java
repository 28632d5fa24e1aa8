package dev.happyview.backfill;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every active job this process can help with. Jobs are rows in Postgres; a new job is picked up at once when
 * created in this process ({@link #signal()}) and within a second when created by another one (polling fallback).
 * All jobs share one pool of repo slots, granted first come first served, so concurrent jobs split the machine
 * instead of multiplying its load; per-host politeness is shared too because every job uses the same HTTP client.
 */
final class BackfillEngine implements AutoCloseable, JobRun.Roles {
    private static final Logger log = LoggerFactory.getLogger(BackfillEngine.class);
    private static final long POLL_MS = 1000;

    private final JobStore jobs;
    private final RepoStore repos;
    private final Discovery discovery;
    private final RepoTask repoTask;
    private final BackfillSettings settings;
    private final Optional<RepoHandoff> handoff;
    private final String owner;
    private final RepoClaimer.Pools pools;
    private final Wakeup wakeup = new Wakeup();
    private final Map<UUID, JobRun> runs = new ConcurrentHashMap<>();
    /** Repos each job has in flight in this process: the only leases the lease keeper renews. */
    private final Map<UUID, Set<String>> working = new ConcurrentHashMap<>();
    private volatile boolean closing;
    private Thread scheduler;
    private Thread leaseKeeper;

    BackfillEngine(JobStore jobs, RepoStore repos, Discovery discovery, RepoTask repoTask, BackfillSettings settings,
            Optional<RepoHandoff> handoff) {
        this.jobs = jobs;
        this.repos = repos;
        this.discovery = discovery;
        this.repoTask = repoTask;
        this.settings = settings;
        this.handoff = handoff;
        this.owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.pools = new RepoClaimer.Pools(new Semaphore(settings.resolveConcurrency(), true),
                new Semaphore(settings.repoConcurrency(), true));
    }

    void start() {
        scheduler = Thread.ofPlatform().daemon().name("backfill-scheduler").start(this::schedule);
        leaseKeeper = Thread.ofPlatform().daemon().name("backfill-leases").start(this::keepLeases);
    }

    @Override
    public RepoClaimer claimer(UUID jobId, BooleanSupplier stopFetching) {
        var repoSet = working.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet());
        return new RepoClaimer(jobId, owner, repos, repoTask, pools, repoSet, handoff, settings, wakeup, stopFetching);
    }

    @Override
    public JobCoordinator coordinator(UUID jobId) {
        return new JobCoordinator(jobId, owner, jobs, repos, discovery, settings, wakeup);
    }

    private void schedule() {
        while (!closing) {
            try {
                for (UUID id : jobs.activeJobIds()) {
                    if (closing) break;
                    runs.computeIfAbsent(id, jobId -> {
                        var run = new JobRun(jobId, jobs, this, wakeup, this::runEnded);
                        Thread.ofVirtual().name("job-" + jobId).start(run);
                        return run;
                    });
                }
            } catch (Exception e) {
                log.warn("backfill scheduler: {}", e.toString());
            }
            wakeup.await(POLL_MS);
        }
    }

    private void keepLeases() {
        long every = Math.max(1000, settings.repoLease().toMillis() / 3);
        while (!closing) {
            try {
                Thread.sleep(every);
                for (var e : working.entrySet()) {
                    repos.renewLeases(owner, e.getKey(), List.copyOf(e.getValue()), settings.repoLease());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                log.warn("could not renew repo leases: {}", e.toString());
            }
        }
    }

    private void runEnded(JobRun run) {
        runs.remove(run.jobId(), run);
    }

    /** Wakes the scheduler and idle runs: new job, new repos discovered, a repo finished, a cancel. */
    void signal() {
        wakeup.signal();
    }

    /** Stops taking work, lets in-flight repos reach a page boundary, and gives back leases. */
    @Override
    public void close() {
        closing = true;
        runs.values().forEach(JobRun::stop);
        signal();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!runs.isEmpty() && System.currentTimeMillis() < deadline) wakeup.await(50);
        if (scheduler != null) scheduler.interrupt();
        if (leaseKeeper != null) leaseKeeper.interrupt();
    }
}
