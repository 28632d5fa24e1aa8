package dev.happyview.bench;

import dev.happyview.store.Database;
import dev.happyview.store.EmbeddedPostgresServer;
import java.io.PrintStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Runs one backfill per scenario against a simnet child process and prints: repos, records, wall time, records/s,
 * requests per endpoint, 429s, the scenario's lower bound (the larger of simnet's network bound and records ÷ the
 * db-bound rate measured in the same run) with the ratio, and the peak heap. Each run's index is checked against
 * simnet's ground truth ({@link IndexCheck}).
 */
final class ScenarioBenchmark {
    private static final int MAX_WARM_UP_RUNS = 5;

    private final EmbeddedPostgresServer pg;
    private final String strategy;
    private final boolean baseline;
    private final PrintStream out;
    private final ScenarioRun runner;
    private Double dbRate;

    ScenarioBenchmark(EmbeddedPostgresServer pg, String strategy, boolean baseline, PrintStream out) {
        this.pg = pg;
        this.strategy = strategy;
        this.baseline = baseline;
        this.out = out;
        this.runner = new ScenarioRun(pg, strategy, out, Boolean.getBoolean("bench.verbose"));
    }

    /** Runs each scenario of {@code name} {@code runs} times; with more than one, pools each one's admin API answers. */
    int run(String name, int runs) throws Exception {
        List<BenchScenario> scenarios = BenchScenario.named(name);
        // The budgets set a budget-bound run's pace, whatever the JIT is still doing.
        if (scenarios.stream().anyMatch(s -> !s.budgetBound())) warmUp();
        var pooled = new LinkedHashMap<String, List<ApiLatencyProbe.Summary>>();
        for (BenchScenario s : scenarios) {
            if (dbRate == null && !s.name().equals("db-bound") && !s.budgetBound()) {
                ScenarioRun.Result db = runner.run(BenchScenario.named("db-bound").getFirst(), true);
                dbRate = db.recordsPerSecond();
                print(db);
            }
            for (int i = 0; i < runs; i++) {
                ScenarioRun.Result r = runner.run(s, true);
                if (s.name().equals("db-bound") && i == 0) dbRate = r.recordsPerSecond();
                print(r);
                pooled.computeIfAbsent(s.label(), l -> new ArrayList<>()).add(r.api());
                if (baseline && s.name().equals("seed")) runBaseline(s, r);
            }
        }
        if (runs > 1) {
            pooled.forEach((label, summaries) -> out.printf("%n[%s: %d runs pooled]%n  %s%n", label, summaries.size(),
                    ApiLatencyProbe.Summary.pooled(summaries).describe(summaries.size() + " runs")));
        }
        return 0;
    }

    /**
     * Unmeasured runs first, until the JIT has little left to do, so the service is timed in its steady state, as in
     * production, and not while C2 compiles its hot paths: per-request code (~6,000 calls a run) reaches C2 only after
     * a few runs on two busy cores, and a single short warm-up left C2 compiling for 15-20% of the cores' time in the
     * measured run.
     */
    private void warmUp() throws Exception {
        var jit = ManagementFactory.getCompilationMXBean();
        for (int i = 1; i <= MAX_WARM_UP_RUNS; i++) {
            long jitBefore = jit.getTotalCompilationTime();
            ScenarioRun.Result r = runner.run(BenchScenario.WARM_UP, false);
            awaitJitSettled(jit);
            double jitShare = (jit.getTotalCompilationTime() - jitBefore) / (double) Math.max(1, r.wallMillis());
            out.printf("warm-up run %d (not measured): %,d ms, %,.0f records/s, JIT compiler threads busy %.0f%% of the run's wall time%n",
                    i, r.wallMillis(), r.recordsPerSecond(), 100 * jitShare);
            if (i >= 2 && jitShare < 0.25) break;
        }
    }

    /**
     * Waits until the JIT has compiled what the warm-up queued (its compilation time stops growing for a second): on
     * two busy cores the compiler threads fall behind, and their backlog would otherwise run during the timed run.
     */
    private static void awaitJitSettled(CompilationMXBean jit) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = jit.getTotalCompilationTime();
            if (now == last) break;
            last = now;
            Thread.sleep(1000);
        }
    }

    private void runBaseline(BenchScenario s, ScenarioRun.Result ours) throws Exception {
        try (var net = SimnetProcess.start(s.simnetArgs())) {
            String jdbc = BenchCommand.newDatabase(pg);
            try (var db = Database.connect(jdbc, 8)) {
                // The baseline needs only the schema; Database.connect applied it.
            }
            var base = new BaselineBackfill(net.relayUrl(), net.plcUrl(), jdbc);
            long t0 = System.nanoTime();
            long records = base.run(s.targets());
            long wall = (System.nanoTime() - t0) / 1_000_000;
            out.printf("%n[baseline seed-000: 8 repos at a time, listRecords, row-by-row upserts]%n");
            out.printf("  records %,d  wall %,d ms  %,.0f records/s  requests %,d%n", records, wall,
                    records / (wall / 1000.0), base.requests.get());
            out.printf("  speed-up of this service over the baseline: %.1fx%n", wall / (double) ours.wallMillis());
        }
    }

    private void print(ScenarioRun.Result r) {
        out.printf("%n[%s, strategy %s]%n", r.scenario().label(), strategy);
        out.printf("  repos %,d  records %,d  wall %,d ms  %,.0f records/s%n", r.repos(), r.records(), r.wallMillis(),
                r.recordsPerSecond());
        out.printf("  requests %s  429s %d%n", r.requests(), r.throttled());
        if (r.scenario().budgetBound()) {
            r.pdsRequests().forEach((host, byEndpoint) -> out.printf("    %-5s %s%n", host, byEndpoint));
        }
        out.printf("  %s; JIT compiler threads busy %,d ms%n", r.cpu().describe(r.records()), r.jitMillis());
        out.printf("  first record stored %,d ms after the job was created; job completed %,d ms after its last repo; repos retried %d%n",
                r.firstRecordMillis(), r.completionLagMillis(), r.reposRetried());
        if (dbRate != null && !r.scenario().name().equals("db-bound")) {
            long dbBound = Math.round(r.records() / dbRate * 1000);
            long lower = Math.max(r.networkBoundMillis(), dbBound);
            out.printf("  lower bound %,d ms (network %,d ms, database %,d ms at %,.0f records/s)  measured/lower bound %.2f%n",
                    lower, r.networkBoundMillis(), dbBound, dbRate, r.wallMillis() / (double) lower);
        } else if (r.scenario().budgetBound()) {
            out.printf("  lower bound %,d ms (network: the best mix of listing and getRepo per host's budgets)  measured/lower bound %.2f%n",
                    r.networkBoundMillis(), r.wallMillis() / (double) Math.max(1, r.networkBoundMillis()));
        }
        out.printf("  %s%n", r.api().describe());
        out.printf("  peak heap %,d MB (max heap %,d MB)%n", r.peakHeapBytes() >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
        out.flush();
    }
}
