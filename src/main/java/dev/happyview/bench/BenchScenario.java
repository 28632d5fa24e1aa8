package dev.happyview.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A benchmark scenario: the simnet it runs against and the collections the job backfills. The catalogue holds the
 * scenarios {@code happyview bench} knows by name.
 *
 * @param simnetArgs arguments of the {@code simnet} command that serves the network
 * @param targets    the collections backfilled (one job over all of them)
 */
record BenchScenario(String name, List<String> simnetArgs, List<String> targets) {
    static final String POSTS = "app.bench.feed.post";
    static final String LIKES = "app.bench.feed.like";
    static final String FOLLOWS = "app.bench.graph.follow";

    private static final Map<String, BenchScenario> CATALOGUE = catalogue(
            new BenchScenario("seed", simnetArgs(2000, 40, 20, "3000/300", "0/0", POSTS), List.of(POSTS)),
            new BenchScenario("db-bound", simnetArgs(2000, 40, 0, "0/300", "0/0", POSTS), List.of(POSTS)),
            new BenchScenario("skewed", simnetArgs(2000, 40, 20, "3000/300", "3/50000", POSTS), List.of(POSTS)),
            new BenchScenario("mixed", simnetArgs(2000, 40, 20, "3000/300", "3/50000", POSTS + "," + LIKES + "," + FOLLOWS),
                    List.of(POSTS)));

    /** The unmeasured runs that bring the JIT to its steady state: db-bound's shape. */
    static final BenchScenario WARM_UP = new BenchScenario("warm-up", simnetArgs(2000, 40, 0, "0/300", "0/0", POSTS),
            List.of(POSTS));

    private static Map<String, BenchScenario> catalogue(BenchScenario... scenarios) {
        Map<String, BenchScenario> m = new LinkedHashMap<>();
        for (BenchScenario s : scenarios) m.put(s.name(), s);
        return m;
    }

    /** The scenario of this name. */
    static BenchScenario named(String name) {
        BenchScenario s = CATALOGUE.get(name);
        if (s == null) throw new IllegalArgumentException("unknown scenario " + name + "; known: " + CATALOGUE.keySet());
        return s;
    }

    /** Arguments of a pre-rendered simnet (seed 7): the timed run measures the service, not the simulator rendering. */
    static List<String> simnetArgs(int repos, int pds, int latencyMs, String rateLimit, String giants, String collections) {
        return List.of("--prerender", "--seed", "7", "--repos", Integer.toString(repos), "--pds", Integer.toString(pds),
                "--latency-ms", Integer.toString(latencyMs), "--rate-limit", rateLimit, "--giants", giants,
                "--collections", collections);
    }
}
