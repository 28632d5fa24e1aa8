package dev.happyview.backfill;

import dev.happyview.protocol.xrpc.PdsClient;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Fetches each repo the way its host's budgets make cheapest ({@link FetchPlanner}):
 * <ol>
 *   <li>A repo planned as a CAR gets {@code getRepo}: one request, every collection.</li>
 *   <li>Otherwise the first {@code listRecords} page of each collection is read. If every page came back short, the
 *       listing is finished (usually with nothing more to ask: {@link ListingEnds}): the repo is small and a CAR
 *       would also carry all its other collections. If a page came back full, more pages follow, so the rest of the
 *       repo comes as one verified CAR instead (records already written are upserted again unchanged, which costs
 *       nothing).</li>
 *   <li>A host whose {@code getRepo} fails for reasons other than the repo itself (not implemented, broken CARs)
 *       is remembered and served by listing from then on.</li>
 * </ol>
 */
final class AutoFetch implements FetchStrategy {
    private final PdsClient pds;
    private final ListRecordsFetch listRecords;
    private final GetRepoFetch getRepo;
    private final FetchPlanner planner;
    private final ListingEnds ends;
    private final Set<String> hostsWithoutCars = ConcurrentHashMap.newKeySet();

    AutoFetch(PdsClient pds, ListRecordsFetch listRecords, GetRepoFetch getRepo, FetchPlanner planner, ListingEnds ends) {
        this.pds = pds;
        this.listRecords = listRecords;
        this.getRepo = getRepo;
        this.planner = planner;
        this.ends = ends;
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        if (hostsWithoutCars.contains(work.pdsEndpoint())) return listRecords.fetch(work, cancelled);
        FetchPlanner.Plan plan = planner.plan(work.pdsEndpoint(), Math.max(1, work.collections().size()), cancelled);
        try {
            if (plan.viaCar()) return viaCar(work, cancelled);
            var firstPages = new HashMap<String, PdsClient.RecordPage>();
            String rev = listRecords.latestRev(work); // before the first pages, which the listing then starts from
            for (String collection : work.collections()) {
                if (cancelled.getAsBoolean()) throw new CancelledException();
                PdsClient.RecordPage first;
                try {
                    first = pds.listRecords(work.pdsEndpoint(), work.did(), collection, null, ListRecordsFetch.PAGE_SIZE);
                } catch (Exception e) {
                    throw Failures.classify("listRecords " + collection, e);
                }
                if (first.records().size() >= ListRecordsFetch.PAGE_SIZE) {
                    ends.fullPage(work.pdsEndpoint());
                    return viaCar(work, cancelled);
                }
                firstPages.put(collection, first);
            }
            return listRecords.fetchFrom(work, rev, firstPages, cancelled);
        } finally {
            plan.done();
        }
    }

    @Override
    public boolean complete(RepoWork work, ListingEnds.Completion completion) throws Exception {
        return listRecords.complete(work, completion);
    }

    private Fetched viaCar(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        try {
            return getRepo.fetch(work, cancelled);
        } catch (RepoFetchException e) {
            if (e.failure() instanceof RepoFailure.Permanent && hostProblem(e)) {
                hostsWithoutCars.add(work.pdsEndpoint());
                return listRecords.fetch(work, cancelled);
            }
            throw e;
        }
    }

    /** A getRepo failure that says something about the host's CAR export rather than about the repo. */
    private static boolean hostProblem(RepoFetchException e) {
        String reason = e.getMessage();
        return reason.contains(" 404") || reason.contains(" 501") || reason.contains("MethodNotImplemented");
    }
}
