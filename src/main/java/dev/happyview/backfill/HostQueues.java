package dev.happyview.backfill;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much work waits for each PDS host across the running jobs ({@link RepoStore#queuedByHost}), read again when
 * older than a few seconds, or sooner when it plainly lags (a job's first seconds, while its repos are being
 * resolved: the caller has more repos of the host in flight than the answer counts, or the answer predates the host's
 * first resolved repo and does not name it). The query grows with the jobs'
 * open repos, so it runs at most once per twenty times its own duration, and only one caller at a time refreshes
 * while the others use the last answer.
 */
final class HostQueues {
    private static final Logger log = LoggerFactory.getLogger(HostQueues.class);
    private static final long MIN_AGE_NANOS = 2_000_000_000L;
    private static final long LAGGING_AGE_NANOS = 200_000_000L;
    private static final long UNKNOWN_AGE_NANOS = 20_000_000L;

    private final RepoStore repos;
    private final ReentrantLock refreshing = new ReentrantLock();
    private volatile Map<String, RepoStore.HostQueue> queues = Map.of();
    private volatile long readAt;
    private volatile long maxAgeNanos = MIN_AGE_NANOS;

    HostQueues(RepoStore repos) {
        this.repos = repos;
    }

    /**
     * The repos waiting for {@code pds} (possibly a few seconds old), of which {@code inFlight} are known in flight;
     * empty while the last answer does not know the host (it was read before any of the host's repos was resolved).
     */
    Optional<RepoStore.HostQueue> of(String pds, long inFlight) {
        long now = System.nanoTime();
        long age = now - readAt;
        RepoStore.HostQueue known = queues.get(pds);
        boolean lagging = known == null ? age >= Math.max(UNKNOWN_AGE_NANOS, maxAgeNanos / 100)
                : known.repos() < inFlight && age >= Math.max(LAGGING_AGE_NANOS, maxAgeNanos / 10);
        if ((readAt == 0 || age >= maxAgeNanos || lagging) && refreshing.tryLock()) {
            try {
                Map<String, RepoStore.HostQueue> fresh = repos.queuedByHost();
                long took = System.nanoTime() - now;
                queues = fresh;
                readAt = System.nanoTime();
                maxAgeNanos = Math.max(MIN_AGE_NANOS, 20 * took);
            } catch (Exception e) {
                log.debug("reading the queues per host failed: {}", e.toString());
                readAt = System.nanoTime(); // try again later, not on every fetch
            } finally {
                refreshing.unlock();
            }
        }
        return Optional.ofNullable(queues.get(pds));
    }
}
