package dev.happyview.backfill;

import dev.happyview.protocol.xrpc.HostBudget;
import dev.happyview.protocol.xrpc.PdsClient;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Chooses, per repo and per PDS host, how {@link AutoFetch} spends the host's budgets. The cost model
 * (docs/backfill.md):
 * <ul>
 *   <li>{@code getRepo} is one request whatever the repo's size, and carries every collection of the repo;</li>
 *   <li>listing costs one {@code getLatestCommit} (the revision its writes are tagged with) and one request per page
 *       of 100 records of each target collection — one per collection for small repos on a host whose short pages
 *       end its listings ({@link ListingEnds}), two where the closing empty page must still be read — and carries
 *       only the target collections.</li>
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

    private static final long LEARNING_WAIT_NANOS = 10_000_000_000L;

    private final PdsClient pds;
    private final HostQueues queues;
    private final ListingEnds ends;
    private final Map<String, Planned> planned = new ConcurrentHashMap<>();

    /** The repos in flight on a host, and their requests per budget, from their plans; guarded by {@link #lock}. */
    private static final class Planned {
        final ReentrantLock lock = new ReentrantLock();
        int repos;
        int carProbes;
        double listing;
        double cars;
    }

    private enum Way { LIST, CAR, WAIT }

    FetchPlanner(PdsClient pds, HostQueues queues, ListingEnds ends) {
        this.pds = pds;
        this.queues = queues;
        this.ends = ends;
    }

    /**
     * Plans the fetch of one repo of {@code collections} target collections from {@code pdsEndpoint}. What is not
     * known yet is learned from one repo while the host's others wait (a few seconds at most, as their requests would
     * in the host's slow start anyway): the host's budgets from its first answer, and whether it keeps getRepo apart
     * from its first getRepo answer.
     */
    Plan plan(String pdsEndpoint, int collections, BooleanSupplier cancelled) throws CancelledException, InterruptedException {
        Planned p = planned.computeIfAbsent(pdsEndpoint, h -> new Planned());
        long deadline = System.nanoTime() + LEARNING_WAIT_NANOS;
        double pageCost = ends.trusted(pdsEndpoint) ? 1.0 : 2.0;
        double listCost = 1 + collections * pageCost;
        while (true) {
            Optional<RepoStore.HostQueue> queue = queues.of(pdsEndpoint, inFlight(p) + 1);
            p.lock.lock();
            Way way;
            try {
                way = choose(pdsEndpoint, queue, collections, pageCost, p);
                if (way == Way.WAIT && System.nanoTime() >= deadline) way = Way.CAR;
                if (way != Way.WAIT) {
                    boolean viaCar = way == Way.CAR;
                    boolean probe = viaCar && !pds.carBudget(pdsEndpoint).map(HostBudget::learned).orElse(false);
                    double cost = viaCar ? 1 : listCost;
                    p.repos++;
                    if (viaCar) p.cars += cost;
                    else p.listing += cost;
                    if (probe) p.carProbes++;
                    return planOf(p, viaCar, cost, probe);
                }
            } finally {
                p.lock.unlock();
            }
            if (cancelled.getAsBoolean()) throw new CancelledException();
            Thread.sleep(10);
        }
    }

    private static Plan planOf(Planned p, boolean viaCar, double cost, boolean probe) {
        return new Plan() {
            private boolean ended;

            @Override
            public boolean viaCar() {
                return viaCar;
            }

            @Override
            public void done() {
                p.lock.lock();
                try {
                    if (ended) return;
                    ended = true;
                    p.repos--;
                    if (viaCar) p.cars -= cost;
                    else p.listing -= cost;
                    if (probe) p.carProbes--;
                } finally {
                    p.lock.unlock();
                }
            }
        };
    }

    private static int inFlight(Planned p) {
        p.lock.lock();
        try {
            return p.repos;
        } finally {
            p.lock.unlock();
        }
    }

    /** Called with {@code p.lock} held. */
    private Way choose(String host, Optional<RepoStore.HostQueue> queued, int collections, double pageCost, Planned p) {
        Optional<HostBudget> found = pds.listingBudget(host);
        if (found.isEmpty()) return p.repos > 0 ? Way.WAIT : Way.LIST; // nothing known: one repo finds out
        HostBudget listing = found.get();
        if (listing.unlimited()) return Way.LIST;
        // A host the last reading does not name (read before its first repo was resolved): unknown, not empty.
        if (queued.isEmpty()) return Way.WAIT;
        RepoStore.HostQueue queue = queued.get();
        double listCost = 1 + collections * pageCost;
        double queueNeeds = Math.max(queue.repos(), p.repos + 1) + Math.max(queue.collections(), p.repos + collections) * pageCost;
        if (listing.remaining() >= queueNeeds) return Way.LIST; // plentiful: fewest bytes
        HostBudget cars = pds.carBudget(host).orElse(listing);
        if (!cars.learned()) return p.carProbes > 0 ? Way.WAIT : Way.CAR; // one getRepo shows which budget it spends
        if (cars.bucket() == null || cars.bucket().equals(listing.bucket())) return Way.CAR; // one budget: one request
        double ifListed = Math.max(listing.secondsToPay(p.listing + listCost), cars.secondsToPay(p.cars));
        double ifCar = Math.max(listing.secondsToPay(p.listing), cars.secondsToPay(p.cars + 1));
        return ifCar <= ifListed ? Way.CAR : Way.LIST;
    }
}
