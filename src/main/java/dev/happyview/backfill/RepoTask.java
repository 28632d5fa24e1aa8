package dev.happyview.backfill;

import dev.happyview.protocol.identity.DidDocument;
import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.sync.BufferApplier;
import dev.happyview.sync.HandOff;
import dev.happyview.sync.Housekeeping;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works on one claimed repo: resolves its PDS, or fetches its records, and records the outcome.
 * Permanent problems skip the repo with the reason; transient ones schedule a retry with exponential backoff until
 * the attempts are used up. Nothing here fails the job.
 */
final class RepoTask {
    private static final Logger log = LoggerFactory.getLogger(RepoTask.class);

    private final RepoStore repos;
    private final DidResolver resolver;
    private final FetchStrategies strategies;
    private final BackfillSettings settings;
    private final HandOff handOff;
    private final LongAdder completed = new LongAdder();

    RepoTask(RepoStore repos, DidResolver resolver, FetchStrategies strategies, BackfillSettings settings, HandOff handOff) {
        this.repos = repos;
        this.resolver = resolver;
        this.strategies = strategies;
        this.settings = settings;
        this.handOff = handOff;
    }

    /** Resolves a pending repo's PDS and hands it on to the fetchers. */
    void resolve(BackfillJob job, RepoStore.Claim claim) {
        try {
            repos.markResolved(job.id(), claim.did(), resolve(claim.did()));
        } catch (RepoFetchException e) {
            recordFailure(job, claim, e.failure());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.warn("job {}: resolving {} hit {}", job.id(), claim.did(), e.toString());
        }
    }

    /**
     * Fetches a resolved repo's records and records the outcome. The repo is {@code backfilling} from before the first
     * read until its records are committed: live events for it wait in the buffer and are applied after them.
     */
    void fetch(BackfillJob job, RepoStore.Claim claim, BooleanSupplier cancelled) {
        String did = claim.did();
        HandOff.Session session = null;
        try {
            String pds = claim.pdsEndpoint();
            List<String> collections = job.prune() || claim.collections().isEmpty()
                    ? job.collections()
                    : claim.collections().stream().filter(job.collections()::contains).toList();
            FetchStrategy strategy = strategies.forJob(job);
            session = handOff.begin(did);
            // A fetch stops reading after MAX_READ_TO_WRITE (and is retried): every write lands well within the
            // tombstone horizon of its read.
            long deadline = System.nanoTime() + Housekeeping.MAX_READ_TO_WRITE.toNanos();
            BooleanSupplier stop = () -> cancelled.getAsBoolean() || System.nanoTime() > deadline;
            var work = new RepoWork(did, pds, collections, job.prune());
            Fetched fetched = strategy.fetch(work, stop);
            // The signed root only for a fetch that replaced the repo's records of every record collection (pruning):
            // a chain checked from it can miss nothing; a partial or non-pruning fetch does not say what was deleted.
            String root = job.prune() && job.collection() == null ? fetched.data() : null;
            handOff.finish(session, new BufferApplier.Snapshot(fetched.rev(), fetched.exactRev(), Set.copyOf(collections), root), null);
            session = null;
            if (fetched.note() != null) log.warn("job {}: repo {}: {}", job.id(), did, fetched.note());
            if (strategy.complete(work, () -> repos.markCompleted(claim, fetched.records(), strategy.name(), fetched.note()))) {
                completed.increment();
            }
        } catch (RepoFetchException e) {
            endSession(session, "backfill failed: " + e.getMessage());
            if (e.failure() instanceof RepoFailure.Permanent && movedElsewhere(job, claim)) return;
            recordFailure(job, claim, e.failure());
        } catch (CancelledException e) {
            endSession(session, "backfill cancelled"); // the run gives the lease back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Most likely the database; the lease expires and the repo is tried again (an open session expires too).
            log.warn("job {}: repo {} hit {}", job.id(), did, e.toString());
        }
    }

    /**
     * After a PDS said the repo is not there (or will not serve it): whether the account moved meanwhile. The cached
     * DID document is dropped and resolved again; a new PDS sends the repo back to be fetched from there.
     */
    private boolean movedElsewhere(BackfillJob job, RepoStore.Claim claim) {
        try {
            resolver.invalidate(Did.parse(claim.did()));
            String now = resolve(claim.did());
            if (now.equals(claim.pdsEndpoint())) return false;
            log.info("job {}: repo {} moved from {} to {}; fetching it there", job.id(), claim.did(), claim.pdsEndpoint(), now);
            repos.markResolved(job.id(), claim.did(), now);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false; // the original failure stands
        }
    }

    /** A fetch that did not complete: its repo's buffered events are applied and it is left desynchronized. */
    private void endSession(HandOff.Session session, String reason) {
        if (session == null) return;
        try {
            handOff.finish(session, null, reason);
        } catch (Exception e) {
            log.warn("repo {}: ending its backfill session failed ({}); it expires", session.did(), e.toString());
        }
    }

    /** Repos this process has completed since it started. */
    long completedRepos() {
        return completed.sum();
    }

    private String resolve(String did) throws RepoFetchException, InterruptedException {
        try {
            DidDocument doc = resolver.resolve(Did.parse(did));
            return doc.pdsEndpoint()
                    .orElseThrow(() -> RepoFetchException.permanent("DID document has no #atproto_pds service"));
        } catch (RepoFetchException e) {
            throw e;
        } catch (Exception e) {
            throw Failures.classify("resolving " + did, e);
        }
    }

    private void recordFailure(BackfillJob job, RepoStore.Claim claim, RepoFailure failure) {
        try {
            switch (failure) {
                case RepoFailure.Permanent p -> repos.markEnded(job.id(), claim.did(), RepoStatus.SKIPPED, p.reason());
                case RepoFailure.Transient t -> {
                    if (claim.attempts() >= settings.maxAttempts()) {
                        repos.markEnded(job.id(), claim.did(), RepoStatus.FAILED,
                                t.reason() + " (after " + claim.attempts() + " attempts)");
                    } else {
                        repos.scheduleRetry(job.id(), claim.did(), t.reason(), Instant.now().plus(backoff(claim.attempts())));
                    }
                }
            }
        } catch (Exception e) {
            log.warn("job {}: could not record the outcome of {}: {}", job.id(), claim.did(), e.toString());
        }
    }

    /** Exponential backoff with full jitter in its upper half: base·2^(attempt-1), capped. */
    private Duration backoff(int attempt) {
        long base = settings.retryBase().toMillis();
        long max = settings.retryMax().toMillis();
        long ceiling = Math.min(max, base << Math.min(20, Math.max(0, attempt - 1)));
        return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }
}
