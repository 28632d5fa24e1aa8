package dev.happyview.backfill;

import dev.happyview.protocol.xrpc.HostBudget;
import dev.happyview.protocol.xrpc.PdsClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;

/**
 * Chooses, per repo and per PDS host, how {@link AutoFetch} spends the host's budgets. The cost model
 * (docs/backfill.md):
 * <ul>
 *   <li>{@code getRepo} is one request whatever the repo's size, and carries every collection of the repo;</li>
 *   <li>listing costs one request per page of 100 records of each target collection — one per collection for
 *       small repos on a host whose short pages end its listings ({@link ListingEnds}), two where the closing empty
 *       page must still be read — and carries only the target collections.</li>
 * </ul>
 * While the host's remaining listing budget covers what its queued repos would need if listed, budgets are
 * plentiful and the repo is listed: fewest bytes (a first page that comes back full still turns into one CAR, so a
 * large repo is never paged through). Once the queue needs more than the budget has left, requests are what is
 * scarce: with one budget every repo takes {@code getRepo}, one request; where the host keeps {@code getRepo} in a
 * budget of its own, each repo goes to whichever budget would have paid for its requests sooner, counting the
 * requests of the repos already planned on the host, so both budgets run out together.
 */
final class FetchPlanner {
    /** How one repo will be fetched; {@link #done} must be called once when its fetch ends. */
    interface Plan {
        boolean viaCar();

        void done();
    }

    private static final long FIRST_ANSWER_WAIT_NANOS = 10_000_000_000L;

    private final PdsClient pds;
    private final HostQueues queues;
    private final ListingEnds ends;
    private final Map<String, Planned> planned = new ConcurrentHashMap<>();

    /** The repos in flight on a host, and their requests per budget, from their plans. */
    private static final class Planned {
        int repos;
        double listing;
        double cars;
    }

    FetchPlanner(PdsClient pds, HostQueues queues, ListingEnds ends) {
        this.pds = pds;
        this.queues = queues;
        this.ends = ends;
    }

    /**
     * Plans the fetch of one repo of {@code collections} target collections from {@code pdsEndpoint}. Until the host
     * has answered once nothing is known of its budgets: the first repo is planned blind, and the others wait (a few
     * seconds at most) for that first answer, as the host's requests would anyway.
     */
    Plan plan(String pdsEndpoint, int collections, BooleanSupplier cancelled) throws CancelledException, InterruptedException {
        Planned p = planned.computeIfAbsent(pdsEndpoint, h -> new Planned());
        long deadline = System.nanoTime() + FIRST_ANSWER_WAIT_NANOS;
        while (pds.listingBudget(pdsEndpoint).isEmpty() && inFlight(p) > 0 && System.nanoTime() < deadline) {
            if (cancelled.getAsBoolean()) throw new CancelledException();
            Thread.sleep(10);
        }
        double listCost = collections * (ends.trusted(pdsEndpoint) ? 1.0 : 2.0);
        boolean viaCar = viaCar(pdsEndpoint, collections, listCost, p);
        double cost = viaCar ? 1 : listCost;
        synchronized (p) {
            p.repos++;
            if (viaCar) p.cars += cost;
            else p.listing += cost;
        }
        return new Plan() {
            private boolean ended;

            @Override
            public boolean viaCar() {
                return viaCar;
            }

            @Override
            public void done() {
                synchronized (p) {
                    if (ended) return;
                    ended = true;
                    p.repos--;
                    if (viaCar) p.cars -= cost;
                    else p.listing -= cost;
                }
            }
        };
    }

    private static int inFlight(Planned p) {
        synchronized (p) {
            return p.repos;
        }
    }

    private boolean viaCar(String host, int collections, double listCost, Planned p) {
        Optional<HostBudget> listing = pds.listingBudget(host);
        if (listing.isEmpty() || listing.get().unlimited()) return false; // nothing known yet, or nothing to save
        int plannedRepos;
        double plannedListing;
        double plannedCars;
        synchronized (p) {
            plannedRepos = p.repos;
            plannedListing = p.listing;
            plannedCars = p.cars;
        }
        RepoStore.HostQueue queue = queues.of(host, plannedRepos + 1);
        double queueNeeds = Math.max(queue.collections(), plannedRepos + collections) * (listCost / collections);
        if (listing.get().remaining() >= queueNeeds) return false; // plentiful: fewest bytes
        HostBudget cars = pds.carBudget(host).orElse(listing.get());
        if (cars.bucket() == null || cars.bucket().equals(listing.get().bucket())) return true; // one budget: 1 request
        double ifListed = Math.max(listing.get().secondsToPay(plannedListing + listCost), cars.secondsToPay(plannedCars));
        double ifCar = Math.max(listing.get().secondsToPay(plannedListing), cars.secondsToPay(plannedCars + 1));
        return ifCar <= ifListed;
    }
}
