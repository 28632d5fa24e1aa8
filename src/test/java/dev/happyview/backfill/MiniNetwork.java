package dev.happyview.backfill;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.happyview.Json;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.syntax.Tid;
import dev.happyview.testing.ScriptedServer;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal relay + PLC + one PDS on 127.0.0.1 for engine tests that need a precise, tiny network. Records have real
 * DAG-CBOR CIDs; the PDS lists records and has no CAR export (getRepo answers 501). Larger scenarios use simnet.
 */
final class MiniNetwork implements AutoCloseable {
    final String collection;
    final Map<String, TreeMap<String, ObjectNode>> repos = new ConcurrentHashMap<>();
    final Map<String, String> failing = new ConcurrentHashMap<>(); // did -> XRPC error answered by the PDS
    volatile long pdsLatencyMillis;
    volatile long plcLatencyMillis;
    volatile long relayLatencyMillis;
    /** Repos per relay page at most, whatever the client asks for (0: as asked), to make discovery take many pages. */
    volatile int relayPageCap;
    /** A listRecords page that is not full carries no cursor (one request for a small repo), as some PDSes answer. */
    volatile boolean cursorOnlyOnFullPages;
    /** A fixed-window rate limit on the PDS, announced in RateLimit headers like the reference PDS; 0 = none. */
    volatile int pdsLimit;
    volatile int pdsWindowSeconds = 1;
    private long windowStart = System.currentTimeMillis();
    private int windowUsed;
    /**
     * While set, every listRecords request but the PDS's first waits for it before it is answered: a test holds fetches
     * in flight. The first is answered (the client sends an endpoint's first request alone, so holding it would hold
     * the rest back in the client), and so are other endpoints' requests.
     */
    volatile CountDownLatch pdsHold;
    private final AtomicInteger listings = new AtomicInteger();
    /** listRecords pages the PDS has sent. */
    final AtomicInteger pdsPagesSent = new AtomicInteger();
    /**
     * From the PDS's request number {@code capLaterPagesFrom} on, pages asked for with a cursor hold at most this many
     * records although more follow (0 = never): a PDS that, unlike the reference one, pages short mid-listing.
     */
    volatile int laterPagesCap;
    volatile int capLaterPagesFrom;
    /** Rewrites a listRecords answer (the repo, the cursor asked for, the page); null sends a body that is not JSON. */
    interface Rewrite {
        ObjectNode page(String did, String cursor, ObjectNode page);
    }

    volatile Rewrite rewrite = (did, cursor, page) -> page;
    /** PDS requests being answered now, and the most there ever were at once (counted until the answer is sent). */
    final AtomicInteger pdsInFlight = new AtomicInteger();
    final AtomicInteger pdsMostInFlight = new AtomicInteger();
    /** (time of a 429, its announced reset) pairs, in epoch millis. */
    final List<long[]> rateLimited = new CopyOnWriteArrayList<>();
    final ScriptedServer relay;
    final ScriptedServer plc;
    final ScriptedServer pds;

    MiniNetwork(String collection, int repoCount, int recordsPerRepo) throws Exception {
        this.collection = collection;
        for (int i = 0; i < repoCount; i++) {
            String did = "did:plc:" + String.format("%024d", i).replace('0', 'a').replace('1', 'b').replace('2', 'c')
                    .replace('3', 'd').replace('4', 'e').replace('5', 'f').replace('6', 'g').replace('7', 'h')
                    .replace('8', 'i').replace('9', 'j');
            var records = new TreeMap<String, ObjectNode>();
            for (int r = 0; r < recordsPerRepo; r++) {
                ObjectNode v = Json.MAPPER.createObjectNode().put("$type", collection).put("text", "post " + r + " of " + i)
                        .put("createdAt", "2024-01-01T00:00:00.000Z");
                records.put(Tid.of(1_700_000_000_000_000L + r * 1000L, i % 1024), v);
            }
            repos.put(did, records);
        }
        pds = new ScriptedServer((ex, n) -> {
            CountDownLatch hold = pdsHold;
            if (ex.getRequestURI().getPath().endsWith("/com.atproto.repo.listRecords") && listings.getAndIncrement() > 0
                    && hold != null) {
                hold.await();
            }
            pdsMostInFlight.accumulateAndGet(pdsInFlight.incrementAndGet(), Math::max);
            try {
                if (pdsLatencyMillis > 0) Thread.sleep(pdsLatencyMillis);
            } finally {
                // Before the answer leaves: the client holds its slot at least this long, so this never overcounts.
                pdsInFlight.decrementAndGet();
            }
            if (pdsLimit > 0 && !admit(ex)) return;
            if (ex.getRequestURI().getPath().endsWith("/com.atproto.sync.getRepo")) {
                // No CAR export here: the service must fall back to listing (as on a PDS without getRepo).
                ScriptedServer.json(ex, 501, "{\"error\":\"MethodNotImplemented\",\"message\":\"no getRepo\"}");
                return;
            }
            var q = query(ex.getRequestURI().getRawQuery());
            boolean latestCommit = ex.getRequestURI().getPath().endsWith("/com.atproto.sync.getLatestCommit");
            String did = latestCommit ? q.get("did") : q.get("repo");
            if (failing.containsKey(did)) {
                ScriptedServer.json(ex, 400, "{\"error\":\"" + failing.get(did) + "\",\"message\":\"nope\"}");
                return;
            }
            var recs = repos.get(did);
            if (latestCommit) {
                // The records never change here: one revision for the whole life of the network.
                ScriptedServer.json(ex, recs == null ? 400 : 200, recs == null
                        ? "{\"error\":\"RepoNotFound\",\"message\":\"no repo\"}"
                        : "{\"cid\":\"bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm\",\"rev\":\"3kaaaaaaaaaaa\"}");
                return;
            }
            if (recs == null || !collection.equals(q.get("collection"))) {
                ScriptedServer.json(ex, 200, "{\"records\":[]}");
                return;
            }
            int limit = Integer.parseInt(q.getOrDefault("limit", "50"));
            if (laterPagesCap > 0 && n >= capLaterPagesFrom && q.containsKey("cursor")) limit = Math.min(limit, laterPagesCap);
            var view = q.containsKey("cursor") ? recs.headMap(q.get("cursor"), false).descendingMap() : recs.descendingMap();
            var out = Json.MAPPER.createObjectNode();
            var arr = out.putArray("records");
            String last = null;
            for (var e : view.entrySet()) {
                if (arr.size() == limit) break;
                arr.addObject().put("uri", "at://" + did + "/" + collection + "/" + e.getKey())
                        .put("cid", cidOf(e.getValue())).set("value", e.getValue());
                last = e.getKey();
            }
            if (last != null && (!cursorOnlyOnFullPages || arr.size() == limit)) out.put("cursor", last);
            ObjectNode answer = rewrite.page(did, q.get("cursor"), out);
            if (answer == null) ScriptedServer.json(ex, 200, "{\"records\": [ not json");
            else ScriptedServer.json(ex, 200, answer.toString());
            pdsPagesSent.incrementAndGet();
        });
        plc = new ScriptedServer((ex, n) -> {
            if (plcLatencyMillis > 0) Thread.sleep(plcLatencyMillis);
            String did = URLDecoder.decode(ex.getRequestURI().getPath().substring(1), StandardCharsets.UTF_8);
            if (!repos.containsKey(did)) {
                ScriptedServer.json(ex, 404, "{\"message\":\"DID not registered\"}");
                return;
            }
            ScriptedServer.json(ex, 200, """
                    {"id":"%s","service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"%s"}]}"""
                    .formatted(did, pds.url()));
        });
        relay = new ScriptedServer((ex, n) -> {
            if (relayLatencyMillis > 0) Thread.sleep(relayLatencyMillis);
            var q = query(ex.getRequestURI().getRawQuery());
            List<String> dids = repos.keySet().stream().sorted().toList();
            int start = q.containsKey("cursor") ? Integer.parseInt(q.get("cursor")) : 0;
            int limit = Integer.parseInt(q.getOrDefault("limit", "500"));
            if (relayPageCap > 0) limit = Math.min(limit, relayPageCap);
            var out = Json.MAPPER.createObjectNode();
            var arr = out.putArray("repos");
            if (collection.equals(q.get("collection"))) {
                for (int i = start; i < Math.min(dids.size(), start + limit); i++) arr.addObject().put("did", dids.get(i));
                if (start + limit < dids.size()) out.put("cursor", Integer.toString(start + limit));
            }
            ScriptedServer.json(ex, 200, out.toString());
        });
    }

    private boolean admit(HttpExchange ex) throws IOException {
        long now = System.currentTimeMillis();
        boolean ok;
        long resetSecs;
        int remaining;
        synchronized (this) {
            if (now - windowStart >= pdsWindowSeconds * 1000L) {
                windowStart = now;
                windowUsed = 0;
            }
            ok = windowUsed < pdsLimit;
            if (ok) windowUsed++;
            remaining = pdsLimit - windowUsed;
            resetSecs = (windowStart + pdsWindowSeconds * 1000L + 999) / 1000;
        }
        var h = ex.getResponseHeaders();
        h.set("RateLimit-Limit", Integer.toString(pdsLimit));
        h.set("RateLimit-Remaining", Integer.toString(remaining));
        h.set("RateLimit-Reset", Long.toString(resetSecs));
        h.set("RateLimit-Policy", pdsLimit + ";w=" + pdsWindowSeconds);
        if (ok) return true;
        rateLimited.add(new long[] {now, resetSecs * 1000});
        ScriptedServer.json(ex, 429, "{\"error\":\"RateLimitExceeded\",\"message\":\"Rate Limit Exceeded\"}");
        return false;
    }

    /** listRecords requests the PDS received for one repo. */
    long pdsRequestsFor(String did) {
        String needle = "repo=" + URLEncoder.encode(did, StandardCharsets.UTF_8);
        return pds.requests().stream().filter(r -> r.path().contains(needle)).count();
    }

    static String cidOf(ObjectNode value) {
        return Cid.ofDagCbor(DagCborEncoder.encodeRecord(value)).toString();
    }

    /** uri → cid of everything a correct backfill indexes (repos the PDS refuses excluded). */
    Map<String, String> groundTruth() {
        var truth = new HashMap<String, String>();
        repos.forEach((did, recs) -> {
            if (failing.containsKey(did)) return;
            recs.forEach((rkey, v) -> truth.put("at://" + did + "/" + collection + "/" + rkey, cidOf(v)));
        });
        return truth;
    }

    private static Map<String, String> query(String raw) {
        var m = new HashMap<String, String>();
        if (raw == null) return m;
        for (String p : raw.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) m.put(p.substring(0, eq), URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return m;
    }

    @Override
    public void close() {
        relay.close();
        plc.close();
        pds.close();
    }
}
