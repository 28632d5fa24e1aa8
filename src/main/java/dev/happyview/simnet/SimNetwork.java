package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.repo.Base32;
import dev.happyview.protocol.syntax.Nsid;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Host names in {@link #stats()}: "relay", "plc", "pds0".., "pds-stale" (the PDS wrong-pds DID
 * documents point at), "web&lt;i&gt;" (the host of did:web repo i).
 */
public final class SimNetwork implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int RELAY_MAX_PAGE = 2000;
    static final int LIST_RECORDS_MAX = 100;

    private final Scenario scenario;
    private final Faults faults;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<SimRepo> repos = new CopyOnWriteArrayList<>();
    private final Map<String, SimRepo> byDid = new ConcurrentHashMap<>();
    private final Map<String, SimRepo> byHandle = new ConcurrentHashMap<>();
    private final Map<String, List<SimRepo>> relayIndex = new HashMap<>();
    private final Map<String, Set<String>> relayListed = new HashMap<>();
    private final List<Consumer<Mutation>> listeners = new CopyOnWriteArrayList<>();
    /** Rendered listRecords pages: DID → (collection|limit|cursor|reverse) → body; dropped when the repo changes. */
    private final Map<String, Map<String, byte[]>> pages = new ConcurrentHashMap<>();
    /**
     * CARs compressed ahead of time by {@code prerender}, by DID; dropped when the repo changes (its CAR is then
     * compressed per request). A real PDS's compression costs its own CPU, not the indexer's.
     */
    private final Map<String, GzippedCar> gzippedCars = new ConcurrentHashMap<>();

    private record GzippedCar(SimRepo.Car car, byte[] gzipped) {}
    private final List<SimHost> hosts = new CopyOnWriteArrayList<>();
    private final List<SimHost> pds = new ArrayList<>();
    private final Object mutationLock = new Object();
    private SimHost relay;
    private SimHost plc;
    private SimHost stale;

    private SimNetwork(Scenario scenario) {
        this.scenario = scenario;
        this.faults = Faults.parse(scenario.faults());
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

    private SimHost host(String name, SimHost.Handler h, boolean limited) throws IOException {
        return host(name, 0, h, limited);
    }

    private SimHost host(String name, int port, SimHost.Handler h, boolean limited) throws IOException {
        SimHost host = new SimHost(name, port, h, scenario.latencyMs(), limited ? scenario.rateLimitPoints() : 0,
                scenario.rateLimitWindowSec(), faults.hostFaults(), scenario.seed(), closed);
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
        Collections.shuffle(perm, new Random(mix(seed, 0x5EED, 1)));
        Set<Integer> giants = new HashSet<>(perm.subList(0, scenario.giants()));
        Map<Integer, Faults.RepoFault> repoFaults = new HashMap<>();
        int at = scenario.giants();
        for (Faults.RepoFaultSpec f : faults.repoFaults()) {
            for (int k = 0; k < f.count(); k++) {
                repoFaults.put(perm.get(at++), new Faults.RepoFault(f.kind(), f.param()));
            }
        }
        relay = host("relay", relayPort, this::relay, false);
        plc = host("plc", this::plc, false);
        for (int i = 0; i < scenario.pdsHosts(); i++) {
            int idx = i;
            pds.add(host("pds" + i, r -> pds(idx, r), true));
        }
        if (faults.repoFaults().stream().anyMatch(f -> f.kind() == Faults.Kind.WRONG_PDS && f.count() > 0)) {
            stale = host("pds-stale", r -> pds(-1, r), true);
        }
        String[] webDids = new String[n];
        for (int i = 0; i < n; i++) {
            if (scenario.didWebShare() > 0 && unit(mix(seed, i, 3)) < scenario.didWebShare()) {
                int idx = i;
                SimHost web = host("web" + i, r -> didWeb(idx, r), false);
                webDids[i] = "did:web:127.0.0.1%3A" + web.port();
            }
        }
        SimRepo[] built = new SimRepo[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            int count = giants.contains(i) ? scenario.giantRecords() : recordCount(seed, i);
            String did = webDids[i] != null ? webDids[i] : plcDid(seed, i, "did");
            built[i] = new SimRepo(seed, i, did, i % scenario.pdsHosts(), webDids[i] != null, giants.contains(i),
                    repoFaults.get(i), scenario.collections(), count);
        });
        for (SimRepo r : built) {
            register(r);
        }
    }

    private void register(SimRepo r) {
        repos.add(r);
        byDid.put(r.did, r);
        byHandle.put(r.handle, r);
        for (String c : r.collectionCounts().keySet()) {
            index(c, r);
        }
    }

    private void index(String collection, SimRepo r) {
        synchronized (relayIndex) {
            if (relayListed.computeIfAbsent(collection, k -> new HashSet<>()).add(r.did)) {
                relayIndex.computeIfAbsent(collection, k -> new ArrayList<>()).add(r);
            }
        }
    }

    private int recordCount(long seed, int i) {
        Random rnd = new Random(mix(seed, i, 2));
        if (rnd.nextDouble() < scenario.largeShare()) {
            return scenario.smallMax() + 1 + rnd.nextInt(scenario.largeMax() - scenario.smallMax());
        }
        double u = rnd.nextDouble();
        return 1 + (int) (scenario.smallMax() * u * u);
    }

    // ---------------------------------------------------------------- public API

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
        return repos.stream().map(r -> r.did).toList();
    }

    /** The PDS URL that hosts the repo (not necessarily the one its DID document names). */
    public String homePdsUrl(String did) {
        return pds.get(repo(did).home).url();
    }

    /** Collection → current record count of one repo. */
    public Map<String, Integer> collectionsOf(String did) {
        return repo(did).collectionCounts();
    }

    /** The repo's current revision. */
    public String revOf(String did) {
        return repo(did).rev();
    }

    /** The fault a repo carries, or null. */
    public Faults.Kind faultOf(String did) {
        SimRepo r = repo(did);
        return r.fault == null ? null : r.fault.kind();
    }

    /** DIDs carrying the given fault, in repo order. */
    public List<String> didsWithFault(Faults.Kind kind) {
        return repos.stream().filter(r -> r.fault != null && r.fault.kind() == kind).map(r -> r.did).toList();
    }

    public long totalRecords() {
        return repos.stream().mapToLong(SimRepo::size).sum();
    }

    public int repoCount() {
        return repos.size();
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

    public void onMutation(Consumer<Mutation> listener) {
        listeners.add(listener);
    }

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
        Set<String> colls = collections == null || collections.isEmpty()
                ? new LinkedHashSet<>(scenario.collections()) : Set.copyOf(collections);
        TreeMap<String, String> records = new TreeMap<>();
        Map<String, JsonNode> values = new HashMap<>();
        Map<String, Faults.Kind> failures = new TreeMap<>();
        List<SimRepo> which = didOrNull == null ? repos : (byDid.containsKey(didOrNull) ? List.of(byDid.get(didOrNull)) : List.of());
        Map<String, Set<String>> listed;
        synchronized (relayIndex) {
            // For one repo only its own membership is copied: the Tap simulator asks once per repo.
            listed = new HashMap<>();
            for (String c : colls) {
                Set<String> v = relayListed.get(c);
                if (v == null) continue;
                listed.put(c, didOrNull == null ? Set.copyOf(v) : v.contains(didOrNull) ? Set.of(didOrNull) : Set.of());
            }
        }
        for (SimRepo r : which) {
            if (fails(r, strategy)) {
                if (colls.stream().anyMatch(c -> listed.getOrDefault(c, Set.of()).contains(r.did))) {
                    failures.put(r.did, r.fault.kind());
                }
                continue;
            }
            for (SimRepo.Entry e : r.snapshot(colls)) {
                String uri = "at://" + r.did + "/" + e.key();
                records.put(uri, r.cid(e).toString());
                values.put(uri, r.value(e));
            }
        }
        return new GroundTruth(strategy, Collections.unmodifiableSortedMap(records), Collections.unmodifiableMap(failures),
                values::get);
    }

    static boolean fails(SimRepo r, Strategy s) {
        if (r.fault == null || !r.fault.permanent()) {
            return false;
        }
        Faults.Kind k = r.fault.kind();
        if (k.carFault()) {
            return s == Strategy.GET_REPO;
        }
        if (k == Faults.Kind.INVALID_JSON) {
            return s == Strategy.LIST_RECORDS;
        }
        return true;
    }

    /**
     * The shortest possible backfill wall time in ms. With L = latency per request, N points per W s
     * per PDS host (fixed window opened by the host's first request), and only repos that can succeed
     * (not expected failures) that the relay lists for one of the collections:
     *
     * <pre>
     * relay   = L · max_c ceil(listed_c / 2000)                      (each collection's relay pages are a chain)
     * chain_r = L · (p_r + 1 + k_r)     p_r = first relay page (1-based, limit 2000) listing r,
     *                                   +1 = the DID document, k_r = 1 for GET_REPO, or for LIST_RECORDS
     *                                   max over r's listed collections c of ceil(n_rc/100)+1 (+1: the final empty page)
     * host_h  = 3L + W·1000 · floor((Q_h − 1) / N)   if N &gt; 0 and Q_h &gt; 0 (else 0): Q_h = Σ requests on h
     *                                   (GET_REPO: 1 per repo; LIST_RECORDS: Σ_c ceil(n_rc/100)+1); the first
     *                                   request cannot start before 2L (relay page, DID doc); the last batch of N
     *                                   waits floor((Q−1)/N) windows, then takes L
     * bound   = max(relay, max_r chain_r, max_h host_h)
     * </pre>
     * Everything else is assumed perfectly parallel. PLC, did:web hosts and the relay are unlimited.
     */
    public long lowerBoundMillis(Strategy strategy, Set<String> collections) {
        Set<String> colls = collections == null || collections.isEmpty()
                ? new LinkedHashSet<>(scenario.collections()) : Set.copyOf(collections);
        long latency = scenario.latencyMs();
        Map<String, Integer> firstPage = new HashMap<>();
        long relayPages = 0;
        synchronized (relayIndex) {
            for (String c : colls) {
                List<SimRepo> list = relayIndex.getOrDefault(c, List.of());
                relayPages = Math.max(relayPages, Math.max(1, Math.ceilDiv(list.size(), RELAY_MAX_PAGE)));
                for (int i = 0; i < list.size(); i++) {
                    firstPage.merge(list.get(i).did, i / RELAY_MAX_PAGE + 1, Math::min);
                }
            }
        }
        long bound = relayPages * latency;
        long[] perHost = new long[pds.size()];
        for (SimRepo r : repos) {
            Integer page = firstPage.get(r.did);
            if (page == null || fails(r, strategy)) {
                continue;
            }
            long chain;
            long requests;
            if (strategy == Strategy.GET_REPO) {
                chain = 1;
                requests = 1;
            } else {
                chain = 0;
                requests = 0;
                Map<String, Integer> counts = r.collectionCounts();
                synchronized (relayIndex) {
                    for (String c : colls) {
                        if (relayListed.getOrDefault(c, Set.of()).contains(r.did)) {
                            long pages = Math.ceilDiv(counts.getOrDefault(c, 0), LIST_RECORDS_MAX) + 1;
                            chain = Math.max(chain, pages);
                            requests += pages;
                        }
                    }
                }
            }
            bound = Math.max(bound, latency * (page + 1 + chain));
            perHost[r.home] += requests;
        }
        if (scenario.rateLimitPoints() > 0) {
            for (long q : perHost) {
                if (q > 0) {
                    bound = Math.max(bound, 3 * latency
                            + scenario.rateLimitWindowSec() * 1000L * ((q - 1) / scenario.rateLimitPoints()));
                }
            }
        }
        return bound;
    }

    // ---------------------------------------------------------------- mutations

    /** Creates a record with a fresh TID rkey; returns its AT-URI. */
    public String createRecord(String did, String collection, JsonNode value) {
        Nsid.parse(collection);
        synchronized (mutationLock) {
            SimRepo r = repo(did);
            SimRepo.Entry e = r.create(collection, value);
            index(collection, r);
            fire(new Mutation(Mutation.Type.CREATE, did, collection, e.rkey(), r.cid(e).toString(), r.value(e), r.rev()));
            return "at://" + did + "/" + e.key();
        }
    }

    /** Replaces a record's value; returns the new CID. */
    public String updateRecord(String uri, JsonNode value) {
        String[] p = splitUri(uri);
        synchronized (mutationLock) {
            SimRepo r = repo(p[0]);
            SimRepo.Entry e = r.update(p[1] + "/" + p[2], value);
            if (e == null) {
                throw new IllegalArgumentException("no such record: " + uri);
            }
            String cid = r.cid(e).toString();
            fire(new Mutation(Mutation.Type.UPDATE, p[0], p[1], p[2], cid, r.value(e), r.rev()));
            return cid;
        }
    }

    /** Deletes a record; false if it did not exist. The relay keeps listing the repo (as collectiondir does). */
    public boolean deleteRecord(String uri) {
        String[] p = splitUri(uri);
        synchronized (mutationLock) {
            SimRepo r = repo(p[0]);
            if (!r.delete(p[1] + "/" + p[2])) {
                return false;
            }
            fire(new Mutation(Mutation.Type.DELETE, p[0], p[1], p[2], null, null, r.rev()));
            return true;
        }
    }

    /** Adds a did:plc repo with {@code records} generated records on PDS (index mod hosts); returns its DID. */
    public String addRepo(int records) {
        synchronized (mutationLock) {
            int i = repos.size();
            SimRepo r = new SimRepo(scenario.seed(), i, plcDid(scenario.seed(), i, "did"), i % scenario.pdsHosts(),
                    false, false, null, scenario.collections(), records);
            register(r);
            fire(new Mutation(Mutation.Type.REPO_CREATED, r.did, null, null, null, null, r.rev()));
            return r.did;
        }
    }

    private void fire(Mutation m) {
        pages.remove(m.did()); // its rendered pages and CAR are stale now
        gzippedCars.remove(m.did());
        for (Consumer<Mutation> l : listeners) {
            l.accept(m);
        }
    }

    private static String[] splitUri(String uri) {
        if (uri == null || !uri.startsWith("at://")) {
            throw new IllegalArgumentException("not an AT-URI: " + uri);
        }
        String[] p = uri.substring(5).split("/");
        if (p.length != 3) {
            throw new IllegalArgumentException("not a record AT-URI: " + uri);
        }
        return p;
    }

    private SimRepo repo(String did) {
        SimRepo r = byDid.get(did);
        if (r == null) {
            throw new IllegalArgumentException("unknown repo " + did);
        }
        return r;
    }

    // ---------------------------------------------------------------- relay

    private SimHost.Response relay(SimHost.Request req) throws IOException {
        switch (req.path()) {
            case "/xrpc/com.atproto.sync.listReposByCollection" -> {
                String c = req.param("collection");
                if (c == null || !Nsid.isValid(c)) {
                    return xrpcError(400, "BadRequest", "invalid collection: " + c);
                }
                int limit;
                int offset;
                try {
                    limit = Math.clamp(req.param("limit") == null ? 500 : Long.parseLong(req.param("limit")), 1, RELAY_MAX_PAGE);
                    offset = req.param("cursor") == null || req.param("cursor").isEmpty() ? 0 : Integer.parseInt(req.param("cursor"));
                } catch (NumberFormatException e) {
                    return xrpcError(400, "BadRequest", "invalid limit or cursor");
                }
                List<SimRepo> page;
                int size;
                synchronized (relayIndex) {
                    List<SimRepo> all = relayIndex.getOrDefault(c, List.of());
                    size = all.size();
                    int from = Math.clamp(offset, 0, size);
                    page = List.copyOf(all.subList(from, Math.min(size, from + limit)));
                }
                ObjectNode out = JSON.createObjectNode();
                ArrayNode arr = out.putArray("repos");
                page.forEach(r -> arr.addObject().put("did", r.did));
                int end = Math.max(0, offset) + page.size();
                if (!page.isEmpty() && end < size) {
                    out.put("cursor", String.valueOf(end));
                }
                return json(out);
            }
            case "/xrpc/com.atproto.sync.listRepos" -> {
                return listRepos(req, repos, "BadRequest");
            }
            case "/xrpc/com.atproto.sync.getRepoStatus" -> {
                SimRepo r = byDid.get(String.valueOf(req.param("did")));
                if (r == null) {
                    return xrpcError(404, "RepoNotFound", "repo not found: " + req.param("did"));
                }
                return json(status(r));
            }
            case "/xrpc/com.atproto.sync.getRepo" -> {
                SimRepo r = byDid.get(String.valueOf(req.param("did")));
                if (r == null) {
                    return xrpcError(404, "RepoNotFound", "repo not found: " + req.param("did"));
                }
                return SimHost.Response.of(302, null, null)
                        .withHeader("Location", pds.get(r.home).url() + "/xrpc/com.atproto.sync.getRepo?did=" + r.did);
            }
            case "/ground-truth" -> {
                return groundTruthLines(req);
            }
            case "/stats" -> {
                return json(JSON.valueToTree(stats()));
            }
            default -> {
                return notFound(req);
            }
        }
    }

    private SimHost.Response groundTruthLines(SimHost.Request req) {
        String s = req.param("strategy");
        Strategy strategy = s == null || s.isEmpty() ? Strategy.GET_REPO : Strategy.valueOf(s.toUpperCase(java.util.Locale.ROOT));
        String cs = req.param("collections");
        Set<String> colls = cs == null || cs.isEmpty() ? null : new LinkedHashSet<>(Arrays.asList(cs.split(",")));
        GroundTruth gt = groundTruth(strategy, colls, req.param("did"));
        return SimHost.Response.streaming("application/x-ndjson", out -> writeGroundTruth(gt, out));
    }

    /**
     * JSON lines: one {@code {"uri","cid","value"}} per record, then one
     * {@code {"did","expected_failure":"<fault>"}} per expected failure.
     */
    static void writeGroundTruth(GroundTruth gt, OutputStream out) throws IOException {
        for (Map.Entry<String, String> e : gt.records().entrySet()) {
            ObjectNode line = JSON.createObjectNode().put("uri", e.getKey()).put("cid", e.getValue());
            line.set("value", gt.value(e.getKey()));
            out.write(JSON.writeValueAsBytes(line));
            out.write('\n');
        }
        for (Map.Entry<String, Faults.Kind> e : gt.expectedFailures().entrySet()) {
            out.write(JSON.writeValueAsBytes(JSON.createObjectNode().put("did", e.getKey()).put("expected_failure", e.getValue().spec)));
            out.write('\n');
        }
    }

    private SimHost.Response listRepos(SimHost.Request req, List<SimRepo> candidates, String badRequest) {
        int limit;
        int after;
        try {
            limit = req.param("limit") == null ? 500 : Integer.parseInt(req.param("limit"));
            after = req.param("cursor") == null || req.param("cursor").isEmpty() ? -1 : Integer.parseInt(req.param("cursor"));
        } catch (NumberFormatException e) {
            return xrpcError(400, badRequest, "invalid limit or cursor");
        }
        if (limit < 1 || limit > 1000) {
            return xrpcError(400, badRequest, "limit must be between 1 and 1000");
        }
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("repos");
        int last = -1;
        int count = 0;
        for (SimRepo r : candidates) {
            if (r.index <= after) {
                continue;
            }
            if (count == limit) {
                break;
            }
            ObjectNode o = arr.addObject().put("did", r.did).put("head", r.car().commitCid().toString()).put("rev", r.rev());
            ObjectNode st = status(r);
            o.set("active", st.get("active"));
            if (st.has("status")) {
                o.set("status", st.get("status"));
            }
            last = r.index;
            count++;
        }
        if (count == limit) {
            out.put("cursor", String.valueOf(last));
        }
        return json(out);
    }

    private static ObjectNode status(SimRepo r) {
        ObjectNode o = JSON.createObjectNode().put("did", r.did);
        Faults.Kind k = r.fault == null ? null : r.fault.kind();
        if (k == Faults.Kind.TAKENDOWN || k == Faults.Kind.DEACTIVATED) {
            o.put("active", false).put("status", k == Faults.Kind.TAKENDOWN ? "takendown" : "deactivated");
        } else {
            o.put("active", true).put("rev", r.rev());
        }
        return o;
    }

    // ---------------------------------------------------------------- identity

    private SimHost.Response plc(SimHost.Request req) {
        String did = java.net.URLDecoder.decode(req.path().substring(1), StandardCharsets.UTF_8);
        SimRepo r = byDid.get(did);
        if (r == null || r.web) {
            return plcError(404, "DID not registered: " + did);
        }
        return didDocResponse(r);
    }

    private SimHost.Response didWeb(int index, SimHost.Request req) {
        if (!req.path().equals("/.well-known/did.json") || index >= repos.size()) {
            return SimHost.Response.of(404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
        }
        return didDocResponse(repos.get(index));
    }

    private SimHost.Response didDocResponse(SimRepo r) {
        Faults.Kind k = r.fault == null ? null : r.fault.kind();
        if (k == Faults.Kind.DID_404) {
            return plcError(404, "DID not registered: " + r.did);
        }
        if (k == Faults.Kind.DID_410) {
            return plcError(410, "DID not available: " + r.did);
        }
        try {
            return SimHost.Response.of(200, "application/did+ld+json", JSON.writeValueAsBytes(didDoc(r)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SimHost.Response plcError(int status, String message) {
        try {
            return SimHost.Response.json(status, JSON.writeValueAsBytes(JSON.createObjectNode().put("message", message)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ObjectNode didDoc(SimRepo r) {
        ObjectNode doc = JSON.createObjectNode();
        doc.putArray("@context").add("https://www.w3.org/ns/did/v1").add("https://w3id.org/security/multikey/v1")
                .add("https://w3id.org/security/suites/secp256k1-2019/v1");
        doc.put("id", r.did);
        doc.putArray("alsoKnownAs").add("at://" + r.handle);
        doc.putArray("verificationMethod").addObject().put("id", r.did + "#atproto").put("type", "Multikey")
                .put("controller", r.did).put("publicKeyMultibase", r.key.multikey());
        String endpoint = r.fault != null && r.fault.kind() == Faults.Kind.WRONG_PDS ? stale.url() : pds.get(r.home).url();
        doc.putArray("service").addObject().put("id", "#atproto_pds").put("type", "AtprotoPersonalDataServer")
                .put("serviceEndpoint", endpoint);
        return doc;
    }

    // ---------------------------------------------------------------- PDS

    private SimHost.Response pds(int idx, SimHost.Request req) throws IOException {
        return switch (req.path()) {
            case "/xrpc/com.atproto.repo.listRecords" -> listRecords(idx, req);
            case "/xrpc/com.atproto.sync.getRepo" -> getRepo(idx, req);
            case "/xrpc/com.atproto.sync.getLatestCommit" -> latestCommit(idx, req);
            case "/xrpc/com.atproto.repo.describeRepo" -> describeRepo(idx, req);
            case "/xrpc/com.atproto.sync.getRepoStatus" -> {
                SimRepo r = hosted(idx, req.param("did"));
                yield r == null ? xrpcError(400, "RepoNotFound", "Could not find repo for DID: " + req.param("did")) : json(status(r));
            }
            case "/xrpc/com.atproto.sync.listRepos" -> listRepos(req,
                    repos.stream().filter(r -> r.home == idx && !isFault(r, Faults.Kind.NOT_FOUND)).toList(), "InvalidRequest");
            default -> notFound(req);
        };
    }

    private static boolean isFault(SimRepo r, Faults.Kind k) {
        return r.fault != null && r.fault.kind() == k;
    }

    /** The repo if this PDS hosts it (by DID or handle) and it is not a not-found fault. */
    private SimRepo hosted(int idx, String repo) {
        if (repo == null) {
            return null;
        }
        SimRepo r = repo.startsWith("did:") ? byDid.get(repo) : byHandle.get(repo);
        if (r == null || r.home != idx || isFault(r, Faults.Kind.NOT_FOUND)) {
            return null;
        }
        return r;
    }

    private SimHost.Response accountError(SimRepo r) {
        if (isFault(r, Faults.Kind.TAKENDOWN)) {
            return xrpcError(400, "RepoTakendown", "Repo has been takendown: " + r.did);
        }
        if (isFault(r, Faults.Kind.DEACTIVATED)) {
            return xrpcError(400, "RepoDeactivated", "Repo has been deactivated: " + r.did);
        }
        return null;
    }

    private SimHost.Response listRecords(int idx, SimHost.Request req) throws IOException {
        String repo = req.param("repo");
        String collection = req.param("collection");
        if (repo == null || repo.isEmpty()) {
            return xrpcError(400, "InvalidRequest", "Error: Params must have the property \"repo\"");
        }
        if (collection == null || !Nsid.isValid(collection)) {
            return xrpcError(400, "InvalidRequest", "Error: collection must be a valid nsid");
        }
        int limit;
        try {
            limit = req.param("limit") == null ? 50 : Integer.parseInt(req.param("limit"));
        } catch (NumberFormatException e) {
            return xrpcError(400, "InvalidRequest", "Error: limit must be an integer");
        }
        if (limit < 1 || limit > LIST_RECORDS_MAX) {
            return xrpcError(400, "InvalidRequest", "Error: limit must be between 1 and 100");
        }
        boolean reverse = "true".equals(req.param("reverse"));
        SimRepo r = hosted(idx, repo);
        if (r == null || accountError(r) != null) {
            return xrpcError(400, "InvalidRequest", "Could not find repo: " + repo);
        }
        SimHost.Mode mode = SimHost.Mode.NORMAL;
        if (r.fault != null) {
            switch (r.fault.kind()) {
                case HANG, TRUNCATED, SLOW_BODY, INVALID_JSON -> {
                    if (r.fireFault()) {
                        switch (r.fault.kind()) {
                            case HANG -> mode = SimHost.Mode.HANG;
                            case TRUNCATED -> mode = SimHost.Mode.TRUNCATE;
                            case SLOW_BODY -> mode = SimHost.Mode.SLOW;
                            default -> {
                                return SimHost.Response.json(200,
                                        "{\"records\":[{\"uri\":\"at://oops\",<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
                default -> { }
            }
        }
        if (mode == SimHost.Mode.NORMAL) {
            String key = collection + "|" + limit + "|" + req.param("cursor") + "|" + reverse;
            byte[] body = pages.computeIfAbsent(r.did, d -> new ConcurrentHashMap<>())
                    .computeIfAbsent(key, k -> renderPage(r, collection, limit, req.param("cursor"), reverse));
            return SimHost.Response.json(200, body);
        }
        return SimHost.Response.json(200, renderPage(r, collection, limit, req.param("cursor"), reverse))
                .withMode(mode, r.fault == null ? 0 : r.fault.slowMillis());
    }

    /**
     * Renders every repo's CAR and every listRecords page a client paging with {@code limit} (newest first, like a
     * PDS) will ask for, so
     * a benchmark's timed run measures the service rather than the simulated servers building JSON on the same
     * cores. A real PDS reads stored records; rendering here is the simulator's own cost.
     */
    public void prerender(int limit) {
        for (SimRepo r : repos) {
            if (r.fault != null) continue;
            SimRepo.Car car = r.car();
            gzippedCars.put(r.did, new GzippedCar(car, gzip(car.bytes())));
            for (String collection : r.collectionCounts().keySet()) {
                // Every non-empty page carries a cursor, so a client following cursors asks until an empty page.
                String cursor = null;
                List<SimRepo.Entry> page;
                do {
                    page = r.page(collection, limit, cursor, false);
                    pages.computeIfAbsent(r.did, d -> new ConcurrentHashMap<>())
                            .put(collection + "|" + limit + "|" + cursor + "|" + false, render(r, page));
                    cursor = page.isEmpty() ? null : page.getLast().rkey();
                } while (cursor != null);
            }
        }
    }

    private static byte[] gzip(byte[] bytes) {
        var out = new java.io.ByteArrayOutputStream(bytes.length / 3 + 64);
        try (var gz = new java.util.zip.GZIPOutputStream(out, 65536)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private byte[] renderPage(SimRepo r, String collection, int limit, String cursor, boolean reverse) {
        return render(r, r.page(collection, limit, cursor, reverse));
    }

    private byte[] render(SimRepo r, List<SimRepo.Entry> page) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("records");
        for (SimRepo.Entry e : page) {
            ObjectNode o = arr.addObject().put("uri", "at://" + r.did + "/" + e.key()).put("cid", r.cid(e).toString());
            o.set("value", r.value(e));
        }
        if (!page.isEmpty()) {
            out.put("cursor", page.getLast().rkey());
        }
        try {
            return JSON.writeValueAsBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private SimHost.Response getRepo(int idx, SimHost.Request req) {
        String did = req.param("did");
        SimRepo r = hosted(idx, did);
        if (r == null || (did != null && !did.startsWith("did:"))) {
            return xrpcError(400, "RepoNotFound", "Could not find repo for DID: " + did);
        }
        SimHost.Response err = accountError(r);
        if (err != null) {
            return err;
        }
        SimHost.Mode mode = SimHost.Mode.NORMAL;
        if (r.fault != null) {
            switch (r.fault.kind()) {
                case HANG -> mode = r.fireFault() ? SimHost.Mode.HANG : mode;
                case TRUNCATED -> mode = r.fireFault() ? SimHost.Mode.TRUNCATE : mode;
                case SLOW_BODY -> mode = SimHost.Mode.SLOW;
                default -> { }
            }
        }
        if (mode == SimHost.Mode.HANG) {
            return SimHost.Response.of(200, null, null).withMode(mode, 0);
        }
        SimRepo.Car car = r.car();
        GzippedCar ready = gzippedCars.get(r.did);
        return SimHost.Response.of(200, "application/vnd.ipld.car", car.bytes())
                .withMode(mode, r.fault == null ? 0 : r.fault.slowMillis())
                .withGzipped(ready != null && ready.car() == car ? ready.gzipped() : null);
    }

    /** {@code {cid, rev}} of the repo's current commit (the CAR of that revision is built once and cached). */
    private SimHost.Response latestCommit(int idx, SimHost.Request req) {
        String did = req.param("did");
        SimRepo r = hosted(idx, did);
        if (r == null) {
            return xrpcError(400, "RepoNotFound", "Could not find repo for DID: " + did);
        }
        SimHost.Response err = accountError(r);
        if (err != null) {
            return err;
        }
        SimRepo.Car car = r.car();
        return json(JSON.createObjectNode().put("cid", car.commitCid().toString()).put("rev", car.rev()));
    }

    private SimHost.Response describeRepo(int idx, SimHost.Request req) {
        SimRepo r = hosted(idx, req.param("repo"));
        if (r == null) {
            return xrpcError(400, "RepoNotFound", "Could not find repo: " + req.param("repo"));
        }
        SimHost.Response err = accountError(r);
        if (err != null) {
            return err;
        }
        ObjectNode out = JSON.createObjectNode().put("handle", r.handle).put("did", r.did);
        out.set("didDoc", didDoc(r));
        ArrayNode colls = out.putArray("collections");
        r.collectionCounts().keySet().forEach(colls::add);
        out.put("handleIsCorrect", true);
        return json(out);
    }

    // ---------------------------------------------------------------- helpers

    private static SimHost.Response notFound(SimHost.Request req) {
        if (req.path().startsWith("/xrpc/")) {
            return xrpcError(501, "MethodNotImplemented", "Method Not Implemented");
        }
        return xrpcError(404, "NotFound", "Not Found");
    }

    static SimHost.Response json(JsonNode node) {
        try {
            return SimHost.Response.json(200, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SimHost.Response xrpcError(int status, String error, String message) {
        try {
            return SimHost.Response.json(status, JSON.writeValueAsBytes(
                    JSON.createObjectNode().put("error", error).put("message", message)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A well-mixed 64-bit hash of (seed, a, b) (SplitMix64 finalizer). */
    static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
        for (int i = 0; i < 2; i++) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }

    static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }

    /** did:plc: + 24 base32 characters of SHA-256(seed, index, purpose). */
    static String plcDid(long seed, int index, String purpose) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(SimRepo.seedBytes(seed, index, purpose));
            return "did:plc:" + Base32.encode(h).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    /** For the CLI: a summary line. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("relay_url", relayUrl());
        m.put("plc_url", plcUrl());
        m.put("ground_truth_url", groundTruthUrl());
        Map<String, Object> lb = new LinkedHashMap<>();
        lb.put("list_records", lowerBoundMillis(Strategy.LIST_RECORDS, null));
        lb.put("get_repo", lowerBoundMillis(Strategy.GET_REPO, null));
        m.put("lower_bound_ms", lb);
        m.put("repos", repoCount());
        m.put("records", totalRecords());
        m.put("pds_urls", pdsUrls());
        return m;
    }
}
