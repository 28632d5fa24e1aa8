package dev.happyview.backfill;

import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.xrpc.PdsClient;
import dev.happyview.protocol.xrpc.RelayClient;
import dev.happyview.protocol.xrpc.XrpcClient;
import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import dev.happyview.sync.HandOff;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The backfill feature assembled: stores, strategies, engine, service and routes. Built once by the composition root. */
public final class Backfill implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Backfill.class);

    private final BackfillEngine engine;
    private final RepoTask repoTask;
    private final RecordSink sink;
    private final BackfillService service;
    private final Database work;

    private Backfill(BackfillEngine engine, RepoTask repoTask, RecordSink sink, BackfillService service, Database work) {
        this.engine = engine;
        this.repoTask = repoTask;
        this.sink = sink;
        this.service = service;
        this.work = work;
    }

    /**
     * @param isRecordCollection whether a collection has an uploaded record lexicon
     * @param backfillCollections the record lexicons uploaded with backfill on (targets of an "all collections" job)
     * @param handoff where jobs in Tap mode send their repos; empty when the service fetches them itself
     * @param handOff marks each repo backfilling while it is fetched, then hands it to the live stream
     */
    public static Backfill start(Database db, RecordWriter writer, XrpcClient client, DidResolver resolver,
            String relayUrl, BackfillSettings settings, Predicate<String> isRecordCollection,
            Supplier<List<String>> backfillCollections, Optional<RepoHandoff> handoff, HandOff handOff) {
        // Jobs are created and ended on the ordinary pool. The work of a job (discovered repos, their states, their
        // records) commits without waiting for each WAL flush: all of it is fetched again if a database crash loses
        // its last moments, the job's own commits flush it, and one fsync per repo state cost 27% of the ingest rate.
        var work = db.withDeferredFlush("happyview-backfill");
        var jobs = new JobStore(db);
        var repos = new RepoStore(work);
        // 16 batches of rows in flight keep both writers busy; more only fills the heap (a queue of 256 CAR pages
        // could hold 128k rows, ~150 MB).
        var sink = new RecordSink(writer, work, 2, 1000, 16_000);
        var pds = new PdsClient(client);
        var ends = new ListingEnds(host -> reopen(repos, host));
        Function<RepoWork, RepoWriteSession> sessions = repo -> new RepoWriteSession(sink, writer, repo);
        var listRecords = new ListRecordsFetch(pds, sessions, ends);
        var getRepo = new GetRepoFetch(pds, resolver, sessions);
        var planner = new FetchPlanner(pds, new HostQueues(repos), ends);
        var strategies = new FetchStrategies(Map.of(
                "list-records", listRecords,
                "get-repo", getRepo,
                "auto", new AutoFetch(pds, listRecords, getRepo, planner, ends)), "auto");
        if (!strategies.knows(settings.defaultStrategy())) {
            throw new IllegalArgumentException("BACKFILL_STRATEGY must be one of " + String.join(", ", strategies.names()));
        }
        var repoTask = new RepoTask(repos, resolver, strategies, settings, handOff);
        var discovery = new Discovery(work, jobs, repos, new RelayClient(client, relayUrl));
        var engine = new BackfillEngine(db, jobs, repos, discovery, repoTask, settings, handoff);
        var service = new BackfillService(jobs, repos, engine::signal, settings, isRecordCollection,
                backfillCollections, strategies);
        engine.start();
        return new Backfill(engine, repoTask, sink, service, work);
    }

    /** A host that ended a listing later than a short page: what was completed from it is fetched again. */
    private static void reopen(RepoStore repos, String host) {
        try {
            int n = repos.reopenCompletedOn(host);
            log.warn("{} sent records after a short listRecords page; {} repos completed from it are fetched again", host, n);
        } catch (Exception e) {
            log.error("{} sent records after a short listRecords page, and its completed repos could not be reopened: {}",
                    host, e.toString());
        }
    }

    public BackfillService service() {
        return service;
    }

    /** Repos this process completed since it started (all jobs). */
    public long completedRepos() {
        return repoTask.completedRepos();
    }

    public BackfillRoutes routes() {
        return new BackfillRoutes(service);
    }

    @Override
    public void close() {
        engine.close();
        sink.close();
        work.close();
    }
}
