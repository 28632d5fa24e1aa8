package dev.happyview.backfill;

import dev.happyview.protocol.identity.DidDocument;
import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.syntax.Did;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
    private final LongAdder completed = new LongAdder();

    RepoTask(RepoStore repos, DidResolver resolver, FetchStrategies strategies, BackfillSettings settings) {
        this.repos = repos;
        this.resolver = resolver;
        this.strategies = strategies;
        this.settings = settings;
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

    /** Fetches a resolved repo's records and records the outcome. */
    void fetch(BackfillJob job, RepoStore.Claim claim, BooleanSupplier cancelled) {
        String did = claim.did();
        try {
            String pds = claim.pdsEndpoint();
            List<String> collections = job.prune() || claim.collections().isEmpty()
                    ? job.collections()
                    : claim.collections().stream().filter(job.collections()::contains).toList();
            FetchStrategy strategy = strategies.forJob(job);
            var work = new RepoWork(did, pds, collections, job.prune());
            Fetched fetched = strategy.fetch(work, cancelled);
            if (fetched.note() != null) log.warn("job {}: repo {}: {}", job.id(), did, fetched.note());
            if (strategy.complete(work, () -> repos.markCompleted(claim, fetched.records(), strategy.name(), fetched.note()))) {
                completed.increment();
            }
        } catch (RepoFetchException e) {
            recordFailure(job, claim, e.failure());
        } catch (CancelledException e) {
            // The run gives the lease back.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Most likely the database; the lease expires and the repo is tried again.
            log.warn("job {}: repo {} hit {}", job.id(), did, e.toString());
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
