package dev.happyview.backfill;

import dev.happyview.protocol.xrpc.PdsClient;
import java.util.HashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Picks per repo the cheaper of {@code listRecords} and {@code getRepo}, from what it can know without extra requests:
 * <ol>
 *   <li>A repo holding three or more target collections gets {@code getRepo}: listing would cost at least two
 *       requests per collection (a page and the empty page that ends it), the CAR costs one.</li>
 *   <li>Otherwise the first {@code listRecords} page of each collection is read. If every page came back short, the
 *       listing is finished with the closing requests: the repo is small and a CAR would also carry all its other
 *       collections. If a page came back full, more pages follow, so the rest of the repo comes as one verified CAR
 *       instead (records already written are upserted again unchanged, which costs nothing).</li>
 *   <li>A host whose {@code getRepo} fails for reasons other than the repo itself (not implemented, broken CARs)
 *       is remembered and served by listing from then on.</li>
 * </ol>
 */
final class AutoFetch implements FetchStrategy {
    static final int CAR_FOR_COLLECTIONS = 3;

    private final PdsClient pds;
    private final ListRecordsFetch listRecords;
    private final GetRepoFetch getRepo;
    private final Set<String> hostsWithoutCars = ConcurrentHashMap.newKeySet();

    AutoFetch(PdsClient pds, ListRecordsFetch listRecords, GetRepoFetch getRepo) {
        this.pds = pds;
        this.listRecords = listRecords;
        this.getRepo = getRepo;
    }

    @Override
    public String name() {
        return "auto";
    }

    @Override
    public Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        boolean carsWork = !hostsWithoutCars.contains(work.pdsEndpoint());
        if (carsWork && work.collections().size() >= CAR_FOR_COLLECTIONS) return viaCar(work, cancelled);
        var firstPages = new HashMap<String, PdsClient.RecordPage>();
        String rev = listRecords.latestRev(work); // before the first pages, which the listing then starts from
        if (carsWork) {
            for (String collection : work.collections()) {
                if (cancelled.getAsBoolean()) throw new CancelledException();
                PdsClient.RecordPage first;
                try {
                    first = pds.listRecords(work.pdsEndpoint(), work.did(), collection, null, ListRecordsFetch.PAGE_SIZE);
                } catch (Exception e) {
                    throw Failures.classify("listRecords " + collection, e);
                }
                if (first.records().size() >= ListRecordsFetch.PAGE_SIZE) return viaCar(work, cancelled);
                firstPages.put(collection, first);
            }
        }
        return listRecords.fetchFrom(work, rev, firstPages, cancelled);
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
