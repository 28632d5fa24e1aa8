package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.App;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One timed backfill: a simnet child for the scenario, a fresh database, the service started on it, one job over the
 * scenario's collections, then what it cost (wall and CPU time, requests, 429s, heap) and, unless it is a warm-up, the
 * index checked against the ground truth.
 */
final class ScenarioRun {
    static final String API_KEY = "hv_00000000000000000000000000000000";

    /**
     * @param requests       endpoint → requests, over all hosts
     * @param pdsRequests    PDS host → endpoint → requests
     * @param reposRetried   repos fetched in more than one attempt
     * @param api            the admin API's answer times during the run
     */
    record Result(BenchScenario scenario, int repos, long records, long wallMillis, Map<String, Long> requests,
            Map<String, Map<String, Long>> pdsRequests, long throttled, long networkBoundMillis, long peakHeapBytes,
            CpuTime.Spent cpu, long jitMillis, long firstRecordMillis, long completionLagMillis, long reposRetried,
            ApiLatencyProbe.Summary api) {
        double recordsPerSecond() {
            return records / Math.max(0.001, wallMillis / 1000.0);
        }
    }

    private final EmbeddedPostgresServer pg;
    private final String strategy;
    private final PrintStream out;
    private final boolean verbose;

    ScenarioRun(EmbeddedPostgresServer pg, String strategy, PrintStream out, boolean verbose) {
        this.pg = pg;
        this.strategy = strategy;
        this.out = out;
        this.verbose = verbose;
    }

    Result run(BenchScenario s, boolean checkIndex) throws Exception {
        try (var net = SimnetProcess.start(s.simnetArgs())) {
            String jdbc = BenchCommand.newDatabase(pg);
            Config config = Config.defaults()
                    .with(Setting.DATABASE_URL, jdbc).with(Setting.HOST, "127.0.0.1").with(Setting.PORT, "0")
                    .with(Setting.ADMIN_API_KEY, API_KEY)
                    .with(Setting.ALLOW_PRIVATE_NETWORK, "true").with(Setting.RELAY_URL, net.relayUrl())
                    .with(Setting.PLC_URL, net.plcUrl()).with(Setting.BACKFILL_STRATEGY, strategy);
            try (var app = App.start(config)) {
                for (String c : s.targets()) uploadLexicon(app.port(), c);
                System.gc();
                var heap = HeapSampler.start(Duration.ofMillis(20));
                CpuTime cpuAtStart = CpuTime.now(net.pid());
                long jitAtStart = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
                long t0 = System.nanoTime();
                BackfillService svc = app.backfill().service();
                JobView job = svc.create(new BackfillService.CreateRequest(s.targets().size() == 1 ? s.targets().getFirst() : null,
                        null, null, null, null, null));
                var probe = new ApiLatencyProbe(app.port(), API_KEY, job.id(), s.targets().getFirst());
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
                ApiLatencyProbe.Summary api = probe.stop();
                probe.close();
                CpuTime.Spent cpu = CpuTime.now(net.pid()).since(cpuAtStart);
                long jit = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - jitAtStart;
                long peakHeap = heap.stop();
                if (job.status() != JobStatus.COMPLETED) throw new IllegalStateException(s.name() + ": job " + job.status() + ": " + job.error());
                if (checkIndex) IndexCheck.requireEqualToGroundTruth(net, s.name(), s.targets(), jdbc);
                long[] edges = pipelineEdges(jdbc, job.id());
                JsonNode stats = net.get(net.relayUrl() + "/stats");
                var requests = new TreeMap<String, Long>();
                var pdsRequests = new TreeMap<String, Map<String, Long>>();
                stats.path("requests").fields().forEachRemaining(host -> host.getValue().fields().forEachRemaining(e -> {
                    requests.merge(e.getKey(), e.getValue().asLong(), Long::sum);
                    if (host.getKey().startsWith("pds")) {
                        pdsRequests.computeIfAbsent(host.getKey(), h -> new TreeMap<>()).put(e.getKey(), e.getValue().asLong());
                    }
                }));
                JsonNode bounds = net.get(net.relayUrl() + "/lower-bound?collections="
                        + URLEncoder.encode(String.join(",", s.targets()), StandardCharsets.UTF_8));
                long bound = switch (strategy) {
                    case "list-records" -> bounds.path("list_records").asLong();
                    case "get-repo" -> bounds.path("get_repo").asLong();
                    default -> bounds.path("best").asLong(bounds.path("get_repo").asLong());
                };
                return new Result(s, job.totalRepos(), job.totalRecords(), wall, requests, pdsRequests,
                        stats.path("throttles").size(), bound, peakHeap, cpu, jit, edges[0], edges[1], edges[2], api);
            }
        }
    }

    /**
     * How long the pipeline took to deliver its first record, and to notice that the last repo was done; and how many
     * repos needed more than one attempt (a retry waits seconds, which a budget-bound run's wall time shows).
     */
    private static long[] pipelineEdges(String jdbc, UUID jobId) throws Exception {
        try (var c = DriverManager.getConnection(jdbc); var st = c.prepareStatement("""
                SELECT round(extract(epoch FROM (SELECT min(indexed_at) FROM records) - j.created_at) * 1000),
                       round(extract(epoch FROM j.completed_at - (SELECT max(updated_at) FROM backfill_repos WHERE job_id = j.id)) * 1000),
                       (SELECT count(*) FROM backfill_repos WHERE job_id = j.id AND attempts > 1)
                  FROM backfill_jobs j WHERE j.id = ?""")) {
            st.setObject(1, jobId);
            try (var rs = st.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        }
    }

    /** Uploads a record lexicon through the admin API, with backfill off: the benchmark starts its own job. */
    private static void uploadLexicon(int port, String nsid) throws Exception {
        String body = """
                {"lexicon_json":{"lexicon":1,"id":"%s","defs":{"main":{"type":"record","key":"tid",
                 "record":{"type":"object","properties":{}}}}},"backfill":false}""".formatted(nsid);
        try (var http = HttpClient.newHttpClient()) {
            var resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/lexicons"))
                    .header("Authorization", "Bearer " + API_KEY).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() / 100 != 2) throw new IllegalStateException("lexicon upload: " + resp.body());
        }
    }
}
