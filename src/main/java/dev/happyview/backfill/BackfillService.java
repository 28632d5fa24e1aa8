package dev.happyview.backfill;

import dev.happyview.api.ApiException;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.syntax.Nsid;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Creating, listing, inspecting and cancelling backfill jobs; the API handlers are thin wrappers of this. */
public final class BackfillService {
    private final JobStore jobs;
    private final RepoStore repos;
    private final Runnable wakeEngine;
    private final BackfillSettings settings;
    private final Predicate<String> isRecordCollection;
    private final Supplier<List<String>> backfillCollections;
    private final FetchStrategies strategies;

    /** @param wakeEngine wakes the engine so a new or cancelled job is seen at once */
    BackfillService(JobStore jobs, RepoStore repos, Runnable wakeEngine, BackfillSettings settings,
            Predicate<String> isRecordCollection, Supplier<List<String>> backfillCollections, FetchStrategies strategies) {
        this.jobs = jobs;
        this.repos = repos;
        this.wakeEngine = wakeEngine;
        this.settings = settings;
        this.isRecordCollection = isRecordCollection;
        this.backfillCollections = backfillCollections;
        this.strategies = strategies;
    }

    /** The most accounts one job may name, as in HappyView. */
    static final int MAX_DIDS = 500;

    /** A request to backfill; every field is optional. {@code did} and {@code dids} name accounts (HappyView's fields). */
    public record CreateRequest(String collection, String did, Boolean prune, Boolean refetch, String strategy,
            List<String> dids) {}

    public JobView create(CreateRequest req) throws SQLException {
        String collection = blankToNull(req.collection());
        List<String> dids = accounts(req);
        if (collection != null) {
            if (!Nsid.isValid(collection)) throw ApiException.badRequest("field 'collection' is not a valid NSID");
            if (!isRecordCollection.test(collection)) {
                throw ApiException.badRequest("field 'collection': no record lexicon uploaded for " + collection);
            }
        }
        String strategy = req.strategy() == null ? null : req.strategy().strip();
        if (strategy != null && !strategies.knows(strategy)) {
            throw ApiException.badRequest("field 'strategy' must be one of " + String.join(", ", strategies.names()));
        }
        List<String> collections = collection != null ? List.of(collection) : backfillCollections.get();
        var job = new JobStore.NewJob(UUID.randomUUID(), collection, dids.size() == 1 ? dids.getFirst() : null, dids,
                collections, settings.mode(), strategy == null ? settings.defaultStrategy() : strategy,
                Boolean.TRUE.equals(req.prune()), Boolean.TRUE.equals(req.refetch()));
        jobs.insert(job);
        wakeEngine.run();
        return get(job.id()).orElseThrow();
    }

    /** Starts a job for a collection that just became eligible (lexicon upload with backfill on). */
    public JobView createForLexicon(String collection) throws SQLException {
        return create(new CreateRequest(collection, null, null, null, null, null));
    }

    /** {@code did} and {@code dids} together, in order, without repeats; a 400 lists every entry that is not a DID. */
    private static List<String> accounts(CreateRequest req) {
        var all = new LinkedHashSet<String>();
        String did = blankToNull(req.did());
        if (did != null) {
            if (!Did.isValid(did)) throw ApiException.badRequest("field 'did' is not a valid DID");
            all.add(did);
        }
        if (req.dids() != null) {
            var invalid = new ArrayList<String>();
            for (String d : req.dids()) {
                String s = d == null ? "" : d.strip();
                if (Did.isValid(s)) all.add(s);
                else invalid.add(d == null ? "null" : "'" + d + "'");
            }
            if (!invalid.isEmpty()) {
                throw ApiException.badRequest("field 'dids': not a DID (handles are not resolved here): "
                        + String.join(", ", invalid));
            }
        }
        if (all.size() > MAX_DIDS) {
            throw ApiException.badRequest("field 'dids': at most " + MAX_DIDS + " accounts per job, got " + all.size());
        }
        return List.copyOf(all);
    }

    public record JobPage(List<JobView> jobs, String cursor) {}

    public JobPage list(int limit, String cursor) throws SQLException {
        Instant afterCreated = null;
        UUID afterId = null;
        if (cursor != null && !cursor.isBlank()) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split("\\|", 2);
                afterCreated = Instant.parse(parts[0]);
                afterId = UUID.fromString(parts[1]);
            } catch (RuntimeException e) {
                throw ApiException.badRequest("parameter 'cursor' is not a cursor from this API");
            }
        }
        List<BackfillJob> page = jobs.list(limit, afterCreated, afterId);
        String next = null;
        if (page.size() == limit) {
            BackfillJob last = page.getLast();
            next = Base64.getUrlEncoder().withoutPadding().encodeToString(
                    (last.createdAt() + "|" + last.id()).getBytes(StandardCharsets.UTF_8));
        }
        return new JobPage(page.stream().map(j -> JobView.of(j, false)).toList(), next);
    }

    public Optional<JobView> get(UUID id) throws SQLException {
        return jobs.find(id).map(j -> JobView.of(j, true));
    }

    public record RepoPage(List<BackfillRepo> repos, String cursor) {}

    public RepoPage repos(UUID id, RepoStatus status, int limit, String cursor) throws SQLException {
        if (jobs.find(id).isEmpty()) throw ApiException.notFound("no backfill job " + id);
        List<BackfillRepo> page = repos.list(id, status, limit, blankToNull(cursor));
        return new RepoPage(page, page.size() == limit ? page.getLast().did() : null);
    }

    public record CancelResult(UUID id, JobStatus status) {}

    /** Two-phase cancel: idempotent for a job already cancelling or cancelled, 400 for one that already ended. */
    public CancelResult cancel(UUID id) throws SQLException {
        JobStatus status = jobs.status(id).orElseThrow(() -> ApiException.notFound("no backfill job " + id));
        if (status == JobStatus.CANCELLING || status == JobStatus.CANCELLED) return new CancelResult(id, status);
        if (status.isTerminal()) {
            throw ApiException.badRequest("job is not running (status: " + status.wire() + ")");
        }
        if (!jobs.requestCancel(id)) {
            // It ended or was cancelled between the two statements; report what it is now.
            JobStatus now = jobs.status(id).orElseThrow();
            if (now == JobStatus.CANCELLING || now == JobStatus.CANCELLED) return new CancelResult(id, now);
            throw ApiException.badRequest("job is not running (status: " + now.wire() + ")");
        }
        wakeEngine.run();
        return new CancelResult(id, JobStatus.CANCELLING);
    }

    /** Repo counts by state across all jobs (metrics). */
    public Map<String, Long> repoCountsByState() throws SQLException {
        return repos.countsByState();
    }

    /** Job counts by status, for {@code /admin/stats}. */
    public Map<String, Long> countsByStatus() throws SQLException {
        return jobs.countsByStatus();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
