package dev.happyview.backfill;

import dev.happyview.store.Database;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every active job this process can help with. Jobs are rows in Postgres; a new job is picked up at once when
 * created in this process ({@link #signal()}) and within a second when created by another one (polling fallback).
 * All jobs share one pool of repo slots, granted first come first served, so concurrent jobs split the machine
 * instead of multiplying its load; per-host politeness is shared too because every job uses the same HTTP client.
 */
public final class BackfillEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackfillEngine.class);
    private static final long POLL_MS = 1000;

    private final Database database;
    private final JobStore jobs;
    private final RepoStore repos;
    private final Discovery discovery;
    private final RepoTask repoTask;
    private final BackfillSettings settings;
    private final dev.happyview.tap.TapHandoff tap;
    private final String owner;
    private final Semaphore repoSlots;
    private final Semaphore resolveSlots;
    private final Map<UUID, JobRun> runs = new ConcurrentHashMap<>();
    /** Repos each job has in flight in this process: the only leases the lease keeper renews. */
    private final Map<UUID, java.util.Set<String>> working = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean closing;
    private Thread scheduler;
    private Thread leaseKeeper;

    BackfillEngine(Database database, JobStore jobs, RepoStore repos, Discovery discovery, RepoTask repoTask,
            BackfillSettings settings, dev.happyview.tap.TapHandoff tap) {
        this.database = database;
        this.tap = tap;
        this.jobs = jobs;
        this.repos = repos;
        this.discovery = discovery;
        this.repoTask = repoTask;
        this.settings = settings;
        this.owner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.repoSlots = new Semaphore(settings.repoConcurrency(), true);
        this.resolveSlots = new Semaphore(settings.resolveConcurrency(), true);
    }

    void start() {
        scheduler = Thread.ofPlatform().daemon().name("backfill-scheduler").start(this::schedule);
        leaseKeeper = Thread.ofPlatform().daemon().name("backfill-leases").start(this::keepLeases);
    }

    private void schedule() {
        boolean databaseDown = false;
        while (!closing) {
            try {
                for (UUID id : jobs.activeJobIds()) {
                    if (closing) break;
                    runs.computeIfAbsent(id, jobId -> {
                        var run = new JobRun(jobId, this);
                        Thread.ofVirtual().name("job-" + jobId).start(run);
                        return run;
                    });
                }
                if (databaseDown) log.info("backfill scheduler: the database is back");
                databaseDown = false;
            } catch (Exception e) {
                // An outage is said once, not every second.
                if (!Database.isUnavailable(e)) log.warn("backfill scheduler: {}", e.toString());
                else if (!databaseDown) log.warn("backfill scheduler: the database is unavailable ({})", Database.describe(e));
                databaseDown = Database.isUnavailable(e);
            }
            await(POLL_MS);
        }
    }

    private void keepLeases() {
        long every = Math.max(1000, settings.repoLease().toMillis() / 3);
        while (!closing) {
            try {
                Thread.sleep(every);
                for (var e : working.entrySet()) {
                    repos.renewLeases(owner, e.getKey(), java.util.List.copyOf(e.getValue()), settings.repoLease());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                log.warn("could not renew repo leases: {}", e.toString());
            }
        }
    }

    /** The set of repos of a job this process is working on; tasks add themselves and remove themselves. */
    java.util.Set<String> working(UUID jobId) {
        return working.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet());
    }

    void runEnded(JobRun run) {
        runs.remove(run.jobId(), run);
    }

    /** Wakes the scheduler and idle runs: new job, new repos discovered, a repo finished, a cancel. */
    public void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void await(long millis) {
        lock.lock();
        try {
            changed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    /** Repo fetches in flight, across all jobs. */
    Semaphore repoSlots() {
        return repoSlots;
    }

    /** DID resolutions in flight, across all jobs: resolution runs ahead of fetching in its own pool. */
    Semaphore resolveSlots() {
        return resolveSlots;
    }

    /** The database jobs live in (its health decides when a paused run resumes). */
    Database database() {
        return database;
    }

    JobStore jobs() {
        return jobs;
    }

    RepoStore repos() {
        return repos;
    }

    Discovery discovery() {
        return discovery;
    }

    RepoTask repoTask() {
        return repoTask;
    }

    BackfillSettings settings() {
        return settings;
    }

    /** The Tap hand-off in Tap mode, else null. */
    dev.happyview.tap.TapHandoff tap() {
        return tap;
    }

    String owner() {
        return owner;
    }

    /** Stops taking work, lets in-flight repos reach a page boundary, and gives back leases. */
    @Override
    public void close() {
        closing = true;
        runs.values().forEach(JobRun::stop);
        signal();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!runs.isEmpty() && System.currentTimeMillis() < deadline) await(50);
        if (scheduler != null) scheduler.interrupt();
        if (leaseKeeper != null) leaseKeeper.interrupt();
    }
}
