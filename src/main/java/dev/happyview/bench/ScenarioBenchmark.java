package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.App;
import dev.happyview.Json;
import dev.happyview.backfill.BackfillService;
import dev.happyview.backfill.JobStatus;
import dev.happyview.backfill.JobView;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import dev.happyview.store.EmbeddedPostgresServer;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one backfill per scenario against a simnet child process and prints: repos, records, wall time, records/s,
 * requests per endpoint, 429s, the scenario's lower bound (the larger of simnet's network bound and records ÷ the
 * db-bound rate measured in the same run) with the ratio, and the peak heap. The index is checked against simnet's
 * ground truth after each run, so a fast wrong run cannot pass.
 */
final class ScenarioBenchmark {
    static final String POSTS = "app.bench.feed.post";
    private static final int MAX_WARM_UP_RUNS = 5;
    static final String LIKES = "app.bench.feed.like";
    static final String FOLLOWS = "app.bench.graph.follow";

    record Scenario(String name, List<String> simnetArgs, List<String> targets) {}

    record Result(Scenario scenario, int repos, long records, long wallMillis, Map<String, Long> requests,
            long throttled, long networkBoundMillis, long peakHeapBytes, CpuTime.Spent cpu, long jitMillis,
            long firstRecordMillis, long completionLagMillis) {
        double recordsPerSecond() {
            return records / Math.max(0.001, wallMillis / 1000.0);
        }
    }

    static final Map<String, Scenario> SCENARIOS = Map.of(
            "seed", new Scenario("seed", args(2000, 40, 20, "3000/300", "0/0", POSTS), List.of(POSTS)),
            "db-bound", new Scenario("db-bound", args(2000, 40, 0, "0/300", "0/0", POSTS), List.of(POSTS)),
            "skewed", new Scenario("skewed", args(2000, 40, 20, "3000/300", "3/50000", POSTS), List.of(POSTS)),
            "mixed", new Scenario("mixed", args(2000, 40, 20, "3000/300", "3/50000", POSTS + "," + LIKES + "," + FOLLOWS),
                    List.of(POSTS)));

    private final EmbeddedPostgresServer pg;
    private final String strategy;
    private final boolean baseline;
    private final PrintStream out;
    private Double dbRate;
    boolean verbose = Boolean.getBoolean("bench.verbose");

    ScenarioBenchmark(EmbeddedPostgresServer pg, String strategy, boolean baseline, PrintStream out) {
        this.pg = pg;
        this.strategy = strategy;
        this.baseline = baseline;
        this.out = out;
    }

    static List<String> args(int repos, int pds, int latencyMs, String rateLimit, String giants, String collections) {
        // Pre-rendered responses: the timed run measures the service, not the simulator rendering on the same cores.
        return List.of("--prerender", "--seed", "7", "--repos", Integer.toString(repos), "--pds", Integer.toString(pds),
                "--latency-ms", Integer.toString(latencyMs), "--rate-limit", rateLimit, "--giants", giants,
                "--collections", collections);
    }

    int run(String name) throws Exception {
        // Unmeasured runs first, until the JIT has little left to do, so the service is timed in its steady state, as in
        // production, and not while C2 compiles its hot paths: per-request code (~6,000 calls a run) reaches C2 only
        // after a few runs on two busy cores, and a single short warm-up left C2 compiling for 15-20% of the cores'
        // time in the measured run.
        var jit = ManagementFactory.getCompilationMXBean();
        for (int i = 1; i <= MAX_WARM_UP_RUNS; i++) {
            long jitBefore = jit.getTotalCompilationTime();
            Result r = runOnce(new Scenario("warm-up", args(2000, 40, 0, "0/300", "0/0", POSTS), List.of(POSTS)), strategy);
            awaitJitSettled(jit);
            double jitShare = (jit.getTotalCompilationTime() - jitBefore) / (double) Math.max(1, r.wallMillis());
            out.printf("warm-up run %d (not measured): %,d ms, %,.0f records/s, JIT compiler threads busy %.0f%% of the run's wall time%n",
                    i, r.wallMillis(), r.recordsPerSecond(), 100 * jitShare);
            if (i >= 2 && jitShare < 0.25) break;
        }
        List<String> names = name.equals("all") ? List.of("db-bound", "seed", "skewed", "mixed") : List.of(name);
        for (String n : names) {
            Scenario s = SCENARIOS.get(n);
            if (s == null) throw new IllegalArgumentException("unknown scenario " + n + "; known: " + SCENARIOS.keySet());
            if (dbRate == null && !n.equals("db-bound")) {
                Result db = runOnce(SCENARIOS.get("db-bound"), strategy);
                dbRate = db.recordsPerSecond();
                print(db);
            }
            Result r = runOnce(s, strategy);
            if (n.equals("db-bound")) dbRate = r.recordsPerSecond();
            print(r);
            if (baseline && n.equals("seed")) runBaseline(s, r);
        }
        return 0;
    }

    /**
     * Waits until the JIT has compiled what the warm-up queued (its compilation time stops growing for a second): on
     * two busy cores the compiler threads fall behind, and their backlog would otherwise run during the timed run.
     */
    private static void awaitJitSettled(java.lang.management.CompilationMXBean jit) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long last = -1;
        while (System.nanoTime() < deadline) {
            long now = jit.getTotalCompilationTime();
            if (now == last) break;
            last = now;
            Thread.sleep(1000);
        }
    }

    private Result runOnce(Scenario s, String strategyName) throws Exception {
        try (var net = SimnetProcess.start(s.simnetArgs())) {
            String jdbc = BenchCommand.newDatabase(pg);
            Config config = Config.defaults()
                    .with(Setting.DATABASE_URL, jdbc).with(Setting.HOST, "127.0.0.1").with(Setting.PORT, "0")
                    .with(Setting.ADMIN_API_KEY, "hv_00000000000000000000000000000000")
                    .with(Setting.ALLOW_PRIVATE_NETWORK, "true").with(Setting.RELAY_URL, net.relayUrl())
                    .with(Setting.PLC_URL, net.plcUrl()).with(Setting.BACKFILL_STRATEGY, strategyName);
            var heap = new HeapSampler();
            try (var app = App.start(config)) {
                for (String c : s.targets()) uploadLexicon(app.port(), config.get(Setting.ADMIN_API_KEY), c);
                System.gc();
                heap.start();
                CpuTime cpuAtStart = CpuTime.now(net.pid());
                long jitAtStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
                long t0 = System.nanoTime();
                BackfillService svc = app.backfill().service();
                JobView job = svc.create(new BackfillService.CreateRequest(s.targets().size() == 1 ? s.targets().getFirst() : null,
                        null, null, null, null, null));
                long lastShown = 0;
                while (!job.status().isTerminal()) {
                    Thread.sleep(25);
                    job = svc.get(job.id()).orElseThrow();
                    long at = (System.nanoTime() - t0) / 1_000_000;
                    if (verbose && at - lastShown >= 1000) {
                        lastShown = at;
                        out.printf("    %6d ms  %-17s repos %d/%d resolved %d records %,d%n", at, job.stage().wire(),
                                job.processedRepos(), job.totalRepos(), job.resolvedRepos(), job.totalRecords());
                    }
                }
                long wall = (System.nanoTime() - t0) / 1_000_000;
                CpuTime.Spent cpu = CpuTime.now(net.pid()).since(cpuAtStart);
                long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitAtStart;
                heap.stop();
                if (job.status() != JobStatus.COMPLETED) throw new IllegalStateException(s.name() + ": job " + job.status() + ": " + job.error());
                if (!s.name().equals("warm-up")) checkAgainstGroundTruth(net, s, jdbc);
                long[] edges = pipelineEdges(jdbc, job.id());
                JsonNode stats = net.get(net.relayUrl() + "/stats");
                var requests = new TreeMap<String, Long>();
                stats.path("requests").forEach(host -> host.fields().forEachRemaining(e ->
                        requests.merge(e.getKey(), e.getValue().asLong(), Long::sum)));
                long bound = net.info().path("lower_bound_ms").path(strategyName.equals("list-records") ? "list_records" : "get_repo").asLong();
                return new Result(s, job.totalRepos(), job.totalRecords(), wall, requests, stats.path("throttles").size(),
                        bound, heap.peak(), cpu, jit, edges[0], edges[1]);
            }
        }
    }

    private void runBaseline(Scenario s, Result ours) throws Exception {
        try (var net = SimnetProcess.start(s.simnetArgs())) {
            String jdbc = BenchCommand.newDatabase(pg);
            try (var db = dev.happyview.store.Database.connect(jdbc, 8)) {
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

    private void print(Result r) {
        out.printf("%n[%s, strategy %s]%n", r.scenario().name(), strategy);
        out.printf("  repos %,d  records %,d  wall %,d ms  %,.0f records/s%n", r.repos(), r.records(), r.wallMillis(),
                r.recordsPerSecond());
        out.printf("  requests %s  429s %d%n", r.requests(), r.throttled());
        out.printf("  %s; JIT compiler threads busy %,d ms%n", r.cpu().describe(r.records()), r.jitMillis());
        out.printf("  first record stored %,d ms after the job was created; job completed %,d ms after its last repo%n",
                r.firstRecordMillis(), r.completionLagMillis());
        if (dbRate != null && !r.scenario().name().equals("db-bound")) {
            long dbBound = Math.round(r.records() / dbRate * 1000);
            long lower = Math.max(r.networkBoundMillis(), dbBound);
            out.printf("  lower bound %,d ms (network %,d ms, database %,d ms at %,.0f records/s)  measured/lower bound %.2f%n",
                    lower, r.networkBoundMillis(), dbBound, dbRate, r.wallMillis() / (double) lower);
        }
        out.printf("  peak heap %,d MB (max heap %,d MB)%n", r.peakHeapBytes() >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
        out.flush();
    }

    /** How long the pipeline took to deliver its first record, and to notice that the last repo was done. */
    private static long[] pipelineEdges(String jdbc, java.util.UUID jobId) throws Exception {
        try (var c = DriverManager.getConnection(jdbc); var st = c.prepareStatement("""
                SELECT round(extract(epoch FROM (SELECT min(indexed_at) FROM records) - j.created_at) * 1000),
                       round(extract(epoch FROM j.completed_at - (SELECT max(updated_at) FROM backfill_repos WHERE job_id = j.id)) * 1000)
                  FROM backfill_jobs j WHERE j.id = ?""")) {
            st.setObject(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** Uploads a record lexicon through the admin API, with backfill off: the benchmark starts its own job. */
    private static void uploadLexicon(int port, String key, String nsid) throws Exception {
        String body = """
                {"lexicon_json":{"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                 "record":{"type":"object","properties":{}}}}},"backfill":false}""".formatted(nsid);
        try (var http = HttpClient.newHttpClient()) {
            var resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/lexicons"))
                    .header("Authorization", "Bearer " + key).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() / 100 != 2) throw new IllegalStateException("lexicon upload: " + resp.body());
        }
    }

    /**
     * Every (uri, cid) of the ground truth is in the index and nothing else is. Both sides are compared as sorted
     * 64-bit hashes of their pairs (a few MB for 300k records, where two maps of strings took ~150 MB of the service's
     * 256 MB heap); a false match would need a hash collision.
     */
    static void checkAgainstGroundTruth(SimnetProcess net, Scenario s, String jdbc) throws Exception {
        var expected = new LongList();
        String url = net.info().get("ground_truth_url").asText() + "?collections="
                + URLEncoder.encode(String.join(",", s.targets()), StandardCharsets.UTF_8);
        try (var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            var lines = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofLines()).body();
            lines.forEach(l -> {
                try {
                    JsonNode n = Json.MAPPER.readTree(l);
                    if (n.has("uri")) expected.add(pairHash(n.get("uri").asText(), n.get("cid").asText()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        var actual = new LongList();
        try (var c = DriverManager.getConnection(jdbc)) {
            c.setAutoCommit(false); // a cursor, so the rows stream instead of arriving all at once
            try (var st = c.createStatement()) {
                st.setFetchSize(5000);
                try (var rs = st.executeQuery("SELECT uri, cid FROM records")) {
                    while (rs.next()) actual.add(pairHash(rs.getString(1), rs.getString(2)));
                }
            }
        }
        if (!actual.sortedEquals(expected)) {
            throw new IllegalStateException(s.name() + ": index differs from the ground truth: " + actual.size()
                    + " rows indexed, " + expected.size() + " expected");
        }
    }

    private static long pairHash(String uri, String cid) {
        long h = 0xcbf29ce484222325L; // FNV-1a over "uri cid", then a final mix
        for (int i = 0; i < uri.length(); i++) h = (h ^ uri.charAt(i)) * 0x100000001b3L;
        h = (h ^ ' ') * 0x100000001b3L;
        for (int i = 0; i < cid.length(); i++) h = (h ^ cid.charAt(i)) * 0x100000001b3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 33);
    }

    /** A growable array of longs. */
    private static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) values = java.util.Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        int size() {
            return size;
        }

        boolean sortedEquals(LongList other) {
            if (size != other.size) return false;
            long[] a = java.util.Arrays.copyOf(values, size);
            long[] b = java.util.Arrays.copyOf(other.values, other.size);
            java.util.Arrays.sort(a);
            java.util.Arrays.sort(b);
            return java.util.Arrays.equals(a, b);
        }
    }

    /** Samples used heap every 20 ms; the peak is what a -Xmx must allow. */
    static final class HeapSampler {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean();
        private Thread thread;

        void start() {
            running.set(true);
            var bean = ManagementFactory.getMemoryMXBean();
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(bean.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }

        long peak() {
            return peak.get();
        }
    }

    static List<String> names() {
        return new ArrayList<>(SCENARIOS.keySet());
    }
}
