package dev.happyview.simnet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shortest possible backfill wall time in ms. With L = latency per request, and only repos that can succeed
 * (not expected failures) that the relay lists for one of the collections:
 *
 * <pre>
 * relay   = L · max_c ceil(listed_c / 2000)                      (each collection's relay pages are a chain)
 * pages_rc = floor(n_rc / 100) + 1    listRecords pages of collection c of repo r: like the reference PDS, a page
 *                                   shorter than the limit is the last, so only a multiple of 100 needs a closing
 *                                   empty page
 * chain_r = L · (p_r + 1 + k_r)     p_r = first relay page (1-based, limit 2000) listing r, +1 = the DID document,
 *                                   k_r = 1 for getRepo, 1 + max_c pages_rc for listRecords (a listing starts with
 *                                   getLatestCommit: the revision its rows carry, without which no write can be
 *                                   ordered against live changes)
 * host_h  = max over h's budgets b of 3L + W_b·1000 · floor((Q_hb − 1) / N_b)   (0 when Q_hb = 0 or unlimited):
 *                                   Q_hb = requests charged to budget b of N_b points per W_b s (fixed windows opened
 *                                   by the budget's first request, which cannot start before 2L: relay page, DID
 *                                   document; its last batch waits floor((Q−1)/N) windows, then takes L). getRepo is
 *                                   charged to its own budget when the host has one, else to the host's only budget
 * bound   = max(relay, max_r chain_r, max_h host_h)
 * </pre>
 *
 * Per strategy every repo is fetched that one way ({@code 1 + Σ_c pages_rc} listing requests, or one getRepo). The
 * <b>best</b> bound lets each repo take either way (a repo whose permanent fault breaks one way must take the other)
 * and picks, per host, the mix with the smallest host_h: with one budget a repo never needs fewer requests than one
 * getRepo, so every repo that can takes getRepo; with two budgets the repos cheapest to list (fewest pages) are listed
 * until the two budgets finish together. The chain of a repo that can take getRepo is then L · (p_r + 2).
 *
 * <p>Everything else is assumed perfectly parallel. PLC, did:web hosts and the relay are unlimited.
 */
final class LowerBound {
    /** How one repo can be fetched: its listing cost in requests and chain, and which ways its faults leave open. */
    private record Need(long listRequests, boolean canList, boolean canCar) {}

    private final RepoRegistry registry;
    private final Scenario scenario;

    LowerBound(RepoRegistry registry, Scenario scenario) {
        this.registry = registry;
        this.scenario = scenario;
    }

    /** Every repo fetched with {@code strategy}. */
    long millis(Strategy strategy, Set<String> colls) {
        return bound(colls, strategy);
    }

    /** Each repo fetched the cheaper way for its host's budgets. */
    long bestMillis(Set<String> colls) {
        return bound(colls, null);
    }

    private long bound(Set<String> colls, Strategy only) {
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
        List<List<Need>> perHost = new ArrayList<>();
        for (int h = 0; h < scenario.pdsHosts(); h++) perHost.add(new ArrayList<>());
        for (SimRepo r : registry.all()) {
            Integer page = firstPage.get(r.did);
            if (page == null) continue;
            boolean canList = only != Strategy.GET_REPO && !GroundTruthOracle.fails(r, Strategy.LIST_RECORDS);
            boolean canCar = only != Strategy.LIST_RECORDS && !GroundTruthOracle.fails(r, Strategy.GET_REPO);
            if (!canList && !canCar) continue;
            Map<String, Integer> counts = r.collectionCounts();
            long requests = 1; // getLatestCommit
            long chain = 1;
            for (String c : listedIn.get(r.did)) {
                long pages = counts.getOrDefault(c, 0) / PdsServer.LIST_RECORDS_MAX + 1;
                chain = Math.max(chain, 1 + pages);
                requests += pages;
            }
            bound = Math.max(bound, latency * (page + 1 + (canCar ? 1 : chain)));
            perHost.get(r.home).add(new Need(requests, canList, canCar));
        }
        for (List<Need> needs : perHost) {
            bound = Math.max(bound, bestHostMillis(needs));
        }
        return bound;
    }

    /** The smallest host_h over the ways its repos may be split between listing and getRepo. */
    private long bestHostMillis(List<Need> needs) {
        FixedWindowBudget.Spec main = scenario.pdsLimit();
        if (!main.limited() || needs.isEmpty()) return 0;
        FixedWindowBudget.Spec carBudget = scenario.getRepoLimit();
        boolean separate = carBudget.limited();
        long forcedList = 0;
        long forcedCar = 0;
        List<Long> flexible = new ArrayList<>();
        for (Need n : needs) {
            if (n.canList() && n.canCar()) flexible.add(n.listRequests());
            else if (n.canList()) forcedList += n.listRequests();
            else forcedCar++;
        }
        flexible.sort(null);
        long best = Long.MAX_VALUE;
        long listed = 0;
        // j = how many of the flexible repos (cheapest listings first) are listed; the rest take getRepo.
        for (int j = 0; j <= flexible.size(); j++) {
            if (j > 0) listed += flexible.get(j - 1);
            long listRequests = forcedList + listed;
            long carRequests = forcedCar + flexible.size() - j;
            long t = separate
                    ? Math.max(windowsMillis(listRequests, main), windowsMillis(carRequests, carBudget))
                    : windowsMillis(listRequests + carRequests, main);
            best = Math.min(best, t);
        }
        return best;
    }

    private long windowsMillis(long requests, FixedWindowBudget.Spec budget) {
        if (requests <= 0) return 0;
        return 3L * scenario.latencyMs() + budget.windowSec() * 1000L * ((requests - 1) / budget.points());
    }
}
