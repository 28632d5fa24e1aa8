package dev.happyview.simnet;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
final class LowerBound {
    private final RepoRegistry registry;
    private final Scenario scenario;

    LowerBound(RepoRegistry registry, Scenario scenario) {
        this.registry = registry;
        this.scenario = scenario;
    }

    long millis(Strategy strategy, Set<String> colls) {
        long latency = scenario.latencyMs();
        Map<String, List<SimRepo>> listings = registry.listings(colls);
        Map<String, Integer> firstPage = new HashMap<>();
        Map<String, Set<String>> listedIn = new HashMap<>();
        long relayPages = 0;
        for (String c : colls) {
            List<SimRepo> list = listings.get(c);
            relayPages = Math.max(relayPages, Math.max(1, Math.ceilDiv(list.size(), RelayServer.MAX_PAGE)));
            for (int i = 0; i < list.size(); i++) {
                firstPage.merge(list.get(i).did, i / RelayServer.MAX_PAGE + 1, Math::min);
                listedIn.computeIfAbsent(list.get(i).did, d -> new HashSet<>()).add(c);
            }
        }
        long bound = relayPages * latency;
        long[] perHost = new long[scenario.pdsHosts()];
        for (SimRepo r : registry.all()) {
            Integer page = firstPage.get(r.did);
            if (page == null || GroundTruthOracle.fails(r, strategy)) {
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
                for (String c : listedIn.get(r.did)) {
                    long pages = Math.ceilDiv(counts.getOrDefault(c, 0), PdsServer.LIST_RECORDS_MAX) + 1;
                    chain = Math.max(chain, pages);
                    requests += pages;
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
}
