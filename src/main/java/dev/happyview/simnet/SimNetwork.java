package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * A simulated AT Protocol network on 127.0.0.1: one relay (with collectiondir's
 * {@code listReposByCollection}), one PLC directory, N PDS hosts, optional did:web hosts, all real
 * HTTP servers. See {@link Scenario} for the data, {@link Faults} for the fault grammar,
 * {@link #lowerBoundMillis} for the lower bound.
 *
 * <p>This class generates the repos and assembles the parts: the {@link RepoRegistry} owns the state and its
 * changes; {@link RelayServer}, {@link IdentityServer} and {@link PdsServer} answer requests from it, each behind
 * {@link SimHost}s (latency, faults, rate limit, accounting); {@link GroundTruthOracle} and {@link LowerBound} say
 * what a backfill must index and how fast it could. A further server reads the registry and follows its changes
 * through {@link #onMutation}.
 *
 * <p>Host names in {@link #stats()}: "relay", "plc", "pds0".., "pds-stale" (the PDS wrong-pds DID
 * documents point at), "web&lt;i&gt;" (the host of did:web repo i).
 */
public final class SimNetwork implements AutoCloseable {
    private final Scenario scenario;
    private final Faults faults;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final RepoRegistry registry;
    private final RenderCache renders;
    private final GroundTruthOracle oracle;
    private final LowerBound lowerBound;
    private final IdentityServer identity;
    private final List<SimHost> hosts = new CopyOnWriteArrayList<>();
    private final List<SimHost> pds = new ArrayList<>();
    private SimHost relay;
    private SimHost plc;
    private SimHost stale;

    private SimNetwork(Scenario scenario) {
        this.scenario = scenario;
        this.faults = Faults.parse(scenario.faults());
        this.registry = new RepoRegistry(scenario);
        this.renders = new RenderCache(registry); // first listener: a change drops stale renders before others see it
        this.oracle = new GroundTruthOracle(registry, scenario.collections());
        this.lowerBound = new LowerBound(registry, scenario);
        this.identity = new IdentityServer(registry, i -> pds.get(i).url(), () -> stale.url());
    }

    /** Generates the data and starts every host. */
    public static SimNetwork start(Scenario scenario) throws IOException {
        return start(scenario, 0);
    }

    /** Like {@link #start(Scenario)} with the relay on a fixed port (0 = ephemeral). */
    public static SimNetwork start(Scenario scenario, int relayPort) throws IOException {
        SimNetwork net = new SimNetwork(scenario);
        try {
            net.init(relayPort);
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
        return net;
    }

    private SimHost host(String name, int port, SimHost.Handler h, boolean limited) throws IOException {
        SimHost host = new SimHost(name, port, h, scenario.latencyMs(),
                limited ? scenario.pdsLimit() : FixedWindowBudget.Spec.NONE,
                limited ? scenario.getRepoLimit() : FixedWindowBudget.Spec.NONE, faults.hostFaults(), scenario.seed(), closed);
        hosts.add(host);
        return host;
    }

    private void init(int relayPort) throws IOException {
        int n = scenario.repos();
        long seed = scenario.seed();
        if (faults.repoFaultCount() + scenario.giants() > n) {
            throw new IllegalArgumentException("more faulty and giant repos than repos");
        }
        List<Integer> perm = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        Collections.shuffle(perm, new Random(Seeds.mix(seed, 0x5EED, 1)));
        Set<Integer> giants = new HashSet<>(perm.subList(0, scenario.giants()));
        Map<Integer, Faults.RepoFault> repoFaults = new HashMap<>();
        int at = scenario.giants();
        for (Faults.RepoFaultSpec f : faults.repoFaults()) {
            for (int k = 0; k < f.count(); k++) {
                repoFaults.put(perm.get(at++), new Faults.RepoFault(f.kind(), f.param()));
            }
        }
        RelayServer relayServer = new RelayServer(registry, oracle, i -> pds.get(i).url(), this::stats, this::lowerBounds);
        PdsServer pdsServer = new PdsServer(registry, identity, renders);
        relay = host("relay", relayPort, relayServer::handle, false);
        plc = host("plc", 0, identity::plc, false);
        for (int i = 0; i < scenario.pdsHosts(); i++) {
            int idx = i;
            pds.add(host("pds" + i, 0, r -> pdsServer.handle(idx, r), true));
        }
        if (faults.repoFaults().stream().anyMatch(f -> f.kind() == Faults.Kind.WRONG_PDS && f.count() > 0)) {
            stale = host("pds-stale", 0, r -> pdsServer.handle(-1, r), true);
        }
        String[] webDids = new String[n];
        for (int i = 0; i < n; i++) {
            if (scenario.didWebShare() > 0 && Seeds.unit(Seeds.mix(seed, i, 3)) < scenario.didWebShare()) {
                int idx = i;
                SimHost web = host("web" + i, 0, r -> identity.didWeb(idx, r), false);
                webDids[i] = "did:web:127.0.0.1%3A" + web.port();
            }
        }
        SimRepo[] built = new SimRepo[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            int count = giants.contains(i) ? scenario.giantRecords() : recordCount(seed, i);
            String did = webDids[i] != null ? webDids[i] : Seeds.plcDid(seed, i, "did");
            built[i] = new SimRepo(seed, i, did, i % scenario.pdsHosts(), webDids[i] != null, giants.contains(i),
                    repoFaults.get(i), scenario.collections(), count);
        });
        for (SimRepo r : built) {
            registry.register(r);
        }
    }

    private int recordCount(long seed, int i) {
        Random rnd = new Random(Seeds.mix(seed, i, 2));
        if (rnd.nextDouble() < scenario.largeShare()) {
            return scenario.smallMax() + 1 + rnd.nextInt(scenario.largeMax() - scenario.smallMax());
        }
        double u = rnd.nextDouble();
        return 1 + (int) (scenario.smallMax() * u * u);
    }

    // ---------------------------------------------------------------- what the network looks like

    public Scenario scenario() {
        return scenario;
    }

    public String relayUrl() {
        return relay.url();
    }

    public String plcUrl() {
        return plc.url();
    }

    public List<String> pdsUrls() {
        return pds.stream().map(SimHost::url).toList();
    }

    public String groundTruthUrl() {
        return relay.url() + "/ground-truth";
    }

    /** All DIDs, in repo order. */
    public List<String> dids() {
        return registry.all().stream().map(r -> r.did).toList();
    }

    /** The PDS URL that hosts the repo (not necessarily the one its DID document names). */
    public String homePdsUrl(String did) {
        return pds.get(registry.get(did).home).url();
    }

    /** Collection → current record count of one repo. */
    public Map<String, Integer> collectionsOf(String did) {
        return registry.get(did).collectionCounts();
    }

    /** The repo's current revision. */
    public String revOf(String did) {
        return registry.get(did).rev();
    }

    /** The fault a repo carries, or null. */
    public Faults.Kind faultOf(String did) {
        SimRepo r = registry.get(did);
        return r.fault == null ? null : r.fault.kind();
    }

    /** DIDs carrying the given fault, in repo order. */
    public List<String> didsWithFault(Faults.Kind kind) {
        return registry.all().stream().filter(r -> AccountAnswers.isFault(r, kind)).map(r -> r.did).toList();
    }

    public long totalRecords() {
        return registry.all().stream().mapToLong(SimRepo::size).sum();
    }

    public int repoCount() {
        return registry.size();
    }

    public SimStats stats() {
        Map<String, Map<String, Long>> req = new TreeMap<>();
        List<SimStats.Throttle> th = new ArrayList<>();
        for (SimHost h : hosts) {
            req.put(h.name, h.counts());
            for (SimHost.Throttle t : h.throttles()) {
                th.add(new SimStats.Throttle(t.host, t.sentAtMillis, t.resetEpochSeconds, t.withHeaders, t.nextRequestAtMillis));
            }
        }
        th.sort((a, b) -> Long.compare(a.sentAtMillis(), b.sentAtMillis()));
        return new SimStats(req, th);
    }

    // ---------------------------------------------------------------- ground truth and the lower bound

    /** Ground truth for the {@link Strategy#GET_REPO} strategy. */
    public GroundTruth groundTruth(Set<String> collections, String didOrNull) {
        return groundTruth(Strategy.GET_REPO, collections, didOrNull);
    }

    /**
     * What a correct backfill of {@code collections} (null = the scenario's) must index, for one repo or
     * all. A repo with a permanent fault that hits the strategy contributes no records; if the relay lists
     * it for one of the collections it is an expected failure instead.
     */
    public GroundTruth groundTruth(Strategy strategy, Set<String> collections, String didOrNull) {
        return oracle.groundTruth(strategy, collections, didOrNull);
    }

    /** The shortest possible backfill wall time in ms with this strategy: see {@link LowerBound}. */
    public long lowerBoundMillis(Strategy strategy, Set<String> collections) {
        return lowerBound.millis(strategy, oracle.collectionsOrDefault(collections));
    }

    /** The shortest possible backfill wall time in ms when each repo takes the cheaper way: see {@link LowerBound}. */
    public long bestLowerBoundMillis(Set<String> collections) {
        return lowerBound.bestMillis(oracle.collectionsOrDefault(collections));
    }

    /** {@code list_records}, {@code get_repo} and {@code best} lower bounds in ms for some collections (null = all). */
    public Map<String, Long> lowerBounds(Set<String> collections) {
        Map<String, Long> lb = new LinkedHashMap<>();
        lb.put("list_records", lowerBoundMillis(Strategy.LIST_RECORDS, collections));
        lb.put("get_repo", lowerBoundMillis(Strategy.GET_REPO, collections));
        lb.put("best", bestLowerBoundMillis(collections));
        return lb;
    }

    // ---------------------------------------------------------------- changes

    /** Called with every change, in order. */
    public void onMutation(Consumer<Mutation> listener) {
        registry.onMutation(listener);
    }

    /** Creates a record with a fresh TID rkey; returns its AT-URI. */
    public String createRecord(String did, String collection, JsonNode value) {
        return registry.createRecord(did, collection, value);
    }

    /** Replaces a record's value; returns the new CID. */
    public String updateRecord(String uri, JsonNode value) {
        return registry.updateRecord(uri, value);
    }

    /** Deletes a record; false if it did not exist. The relay keeps listing the repo (as collectiondir does). */
    public boolean deleteRecord(String uri) {
        return registry.deleteRecord(uri);
    }

    /** Whether the account was deleted (or taken down). */
    public boolean accountDeleted(String did) {
        return registry.get(did).deleted;
    }

    /** Deletes an account and all its records (Jetstream tells {@code #account} deleted). */
    public void deleteAccount(String did) {
        registry.deleteAccount(did);
    }

    /** Moves a repo to PDS host {@code toHost}; its DID document changes (Jetstream tells {@code #identity}). */
    public void migrate(String did, int toHost) {
        registry.migrate(did, toHost);
    }

    /** The PDS host index a repo lives on now. */
    public int homeOf(String did) {
        return registry.get(did).home;
    }

    /** Adds a did:plc repo with {@code records} generated records on PDS (index mod hosts); returns its DID. */
    public String addRepo(int records) {
        return registry.addRepo(records);
    }

    /**
     * Renders every repo's CAR and every listRecords page a client paging with {@code limit} (newest first, like a
     * PDS) will ask for, so a benchmark's timed run measures the service rather than the simulated servers building
     * JSON on the same cores.
     */
    public void prerender(int limit) {
        renders.prerender(limit);
    }

    /** Releases hanging requests and stops every host. */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closed.countDown();
        for (SimHost h : hosts) {
            h.close();
        }
    }

    /** The state every server reads (for a server of this package that needs the repos themselves). */
    RepoRegistry registry() {
        return registry;
    }

    /** For the CLI: a summary line. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relay_url", relayUrl());
        m.put("plc_url", plcUrl());
        m.put("ground_truth_url", groundTruthUrl());
        m.put("lower_bound_ms", lowerBounds(null));
        m.put("repos", repoCount());
        m.put("records", totalRecords());
        m.put("pds_urls", pdsUrls());
        return m;
    }
}
