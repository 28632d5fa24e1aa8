package dev.happyview.backfill;

import dev.happyview.protocol.identity.DidDocument;
import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.store.Database;
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
    private final LongAdder databaseFailures = new LongAdder();

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
            repos.markResolved(claim, resolve(claim.did()));
        } catch (RepoFetchException e) {
            recordFailure(job, claim, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            noteFailure(job, claim, "resolving", e);
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
            var outcome = new RepoStore.Completion[1];
            strategy.complete(work, () -> {
                outcome[0] = repos.markCompleted(claim, fetched.records(), strategy.name(), fetched.note());
                return outcome[0] == RepoStore.Completion.COMPLETED;
            });
            switch (outcome[0]) {
                case COMPLETED -> completed.increment();
                case COLLECTIONS_CHANGED -> log.debug("job {}: repo {} gained a collection; fetched again", job.id(), did);
                case LIFETIME_CHANGED -> log.info("job {}: repo {}: the database restarted from a crash or failed over "
                        + "while it was fetched; fetched again", job.id(), did);
                case LEASE_LOST -> log.warn("job {}: repo {}: its lease passed to another process while this one "
                        + "fetched it (stalled past the lease); that process records the outcome", job.id(), did);
            }
        } catch (RepoFetchException e) {
            endSession(session, "backfill failed: " + e.getMessage());
            if (e.failure() instanceof RepoFailure.Permanent p) {
                if (movedElsewhere(job, claim)) return;
                if (p.accountStatus() != null) noteAccountStatus(did, p.accountStatus());
            }
            recordFailure(job, claim, e);
        } catch (CancelledException e) {
            endSession(session, "backfill cancelled"); // the run gives the lease back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            noteFailure(job, claim, "fetching", e);
        }
    }

    /**
     * Times this process could not record a repo's outcome because the database was unavailable: the run gives those
     * claims back, without counting the attempt, when the database answers again.
     */
    long databaseFailures() {
        return databaseFailures.sum();
    }

    private void noteFailure(BackfillJob job, RepoStore.Claim claim, String what, Exception e) {
        if (Database.isUnavailable(e)) {
            databaseFailures.increment();
            log.debug("job {}: {} {}: database unavailable ({})", job.id(), what, claim.did(), Database.describe(e));
        } else {
            // The lease expires and the repo is tried again.
            log.warn("job {}: {} {} hit {}", job.id(), what, claim.did(), e.toString());
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
            repos.markResolved(claim, now);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false; // the original failure stands
        }
    }

    /** The repo's host says the account is not active there, and the DID names no other host. */
    private void noteAccountStatus(String did, String status) {
        try {
            handOff.hostReportedStatus(did, status);
        } catch (Exception e) {
            log.warn("repo {}: recording its host's account status {} failed ({})", did, status, e.toString());
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

    /** A repo's own failure costs an attempt; the database being unavailable (writing its records) does not. */
    private void recordFailure(BackfillJob job, RepoStore.Claim claim, RepoFetchException e) {
        if (Database.isUnavailable(e)) {
            noteFailure(job, claim, "writing", e);
            return;
        }
        try {
            switch (e.failure()) {
                case RepoFailure.Permanent p -> repos.markEnded(claim, RepoStatus.SKIPPED, p.reason());
                case RepoFailure.Transient t -> {
                    if (claim.attempts() >= settings.maxAttempts()) {
                        repos.markEnded(claim, RepoStatus.FAILED, t.reason() + " (after " + claim.attempts() + " attempts)");
                    } else {
                        repos.scheduleRetry(claim, t.reason(), Instant.now().plus(backoff(claim.attempts())));
                    }
                }
            }
        } catch (Exception recording) {
            noteFailure(job, claim, "recording the outcome of", recording);
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
