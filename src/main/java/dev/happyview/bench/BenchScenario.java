package dev.happyview.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A benchmark scenario: the simnet it runs against and the collections the job backfills. The catalogue holds the
 * scenarios {@code happyview bench} knows by name; a name may stand for several runs.
 *
 * @param simnetArgs  arguments of the {@code simnet} command that serves the network
 * @param targets     the collections backfilled (one job over all of them)
 * @param budgetBound the PDS hosts' budgets, not the cores, set the pace: no JIT warm-up needed, and the report shows
 *                    requests per host
 */
record BenchScenario(String name, List<String> simnetArgs, List<String> targets, boolean budgetBound) {
    static final String POSTS = "app.bench.feed.post";
    static final String LIKES = "app.bench.feed.like";
    static final String FOLLOWS = "app.bench.graph.follow";

    /**
     * {@code rate-bound}: 3 PDS hosts of 400 repos each (a third of their records are likes, which the job does not
     * want; about 30% of the repos hold 100 posts or more), with budgets scaled down from the reference PDS's (3000
     * requests per 5 minutes, and getRepo's own 6000 on newer versions) so that a run takes tens of seconds: 110 per
     * 6 s window shared by every endpoint, or 50 per 6 s plus 100 per 6 s for getRepo alone.
     */
    private static final List<String> RATE_BOUND = List.of("--prerender", "--seed", "7", "--repos", "1200", "--pds", "3",
            "--latency-ms", "20", "--giants", "0/0", "--collections", POSTS + "," + LIKES);

    private static final Map<String, List<BenchScenario>> CATALOGUE = catalogue(
            new BenchScenario("seed", simnetArgs(2000, 40, 20, "3000/300", "0/0", POSTS), List.of(POSTS), false),
            new BenchScenario("db-bound", simnetArgs(2000, 40, 0, "0/300", "0/0", POSTS), List.of(POSTS), false),
            new BenchScenario("skewed", simnetArgs(2000, 40, 20, "3000/300", "3/50000", POSTS), List.of(POSTS), false),
            new BenchScenario("mixed", simnetArgs(2000, 40, 20, "3000/300", "3/50000", POSTS + "," + LIKES + "," + FOLLOWS),
                    List.of(POSTS), false),
            new BenchScenario("rate-bound", rateBound("110/6", "0/6"), List.of(POSTS), true),
            new BenchScenario("rate-bound", rateBound("50/6", "100/6"), List.of(POSTS), true));

    /** The unmeasured runs that bring the JIT to its steady state: db-bound's shape. */
    static final BenchScenario WARM_UP = new BenchScenario("warm-up", simnetArgs(2000, 40, 0, "0/300", "0/0", POSTS),
            List.of(POSTS), false);

    private static Map<String, List<BenchScenario>> catalogue(BenchScenario... scenarios) {
        Map<String, List<BenchScenario>> m = new LinkedHashMap<>();
        for (BenchScenario s : scenarios) m.computeIfAbsent(s.name(), n -> new ArrayList<>()).add(s);
        return m;
    }

    /** The runs of this name: {@code all} is every scenario, db-bound first (its rate is part of the others' bound). */
    static List<BenchScenario> named(String name) {
        if (name.equals("all")) {
            List<BenchScenario> all = new ArrayList<>(CATALOGUE.get("db-bound"));
            CATALOGUE.forEach((n, runs) -> {
                if (!n.equals("db-bound")) all.addAll(runs);
            });
            return all;
        }
        List<BenchScenario> runs = CATALOGUE.get(name);
        if (runs == null) throw new IllegalArgumentException("unknown scenario " + name + "; known: " + CATALOGUE.keySet());
        return runs;
    }

    /** How the run is labelled in the report. */
    String label() {
        if (!name.equals("rate-bound")) return name;
        int at = simnetArgs.indexOf("--get-repo-rate-limit");
        return at < 0 ? name + ": one budget of " + simnetArgs.get(simnetArgs.indexOf("--rate-limit") + 1) + " per host"
                : name + ": " + simnetArgs.get(simnetArgs.indexOf("--rate-limit") + 1) + " per host, getRepo "
                        + simnetArgs.get(at + 1) + " apart";
    }

    /** Arguments of a pre-rendered simnet (seed 7): the timed run measures the service, not the simulator rendering. */
    static List<String> simnetArgs(int repos, int pds, int latencyMs, String rateLimit, String giants, String collections) {
        return List.of("--prerender", "--seed", "7", "--repos", Integer.toString(repos), "--pds", Integer.toString(pds),
                "--latency-ms", Integer.toString(latencyMs), "--rate-limit", rateLimit, "--giants", giants,
                "--collections", collections);
    }

    private static List<String> rateBound(String limit, String getRepoLimit) {
        List<String> args = new ArrayList<>(RATE_BOUND);
        args.addAll(List.of("--rate-limit", limit));
        if (!getRepoLimit.startsWith("0/")) args.addAll(List.of("--get-repo-rate-limit", getRepoLimit));
        return List.copyOf(args);
    }
}
