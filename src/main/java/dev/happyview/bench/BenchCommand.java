package dev.happyview.bench;

import dev.happyview.store.Database;
import dev.happyview.store.EmbeddedPostgresServer;
import java.sql.DriverManager;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code happyview bench SCENARIO}: runs a backfill against a simulated network and prints what it cost. Scenarios:
 * {@code writer} (the record writer alone), {@code tap} (Tap mode's channel), {@code live} (Jetstream replay
 * throughput and live lag), {@code firehose} (verified replay of a recorded relay firehose, in memory),
 * {@code firehose-replay} (the same through the service: socket, verification, Postgres), {@code signatures} (one
 * signature check per curve and implementation), {@code db-bound}, {@code seed}, {@code skewed}, {@code mixed},
 * {@code rate-bound} (budgets that bind: one shared budget per host, then a separate getRepo budget), and
 * {@code all} (db-bound first, since its rate is part of the other scenarios' lower bound).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark a backfill against the simulated network and print records/s, requests, ratio to the lower bound and heap.")
public final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "writer, tap, live, firehose, firehose-replay, signatures, db-bound, seed, skewed, mixed, rate-bound or all")
    String scenario;

    @Option(names = "--strategy", description = "Fetch strategy for the service: auto, list-records, get-repo (default: auto)")
    String strategy = "auto";

    @Option(names = "--baseline", description = "Also run the seed-000 algorithm on the same scenario and print the speed-up")
    boolean baseline;

    @Option(names = "--rows", description = "Rows for the writer benchmark (default: 200000)")
    int rows = 200_000;

    @Option(names = "--writer-threads", description = "Threads for the writer benchmark (default: 2)")
    int writerThreads = 2;

    @Option(names = "--batch", description = "Rows per statement for the writer benchmark (default: 1000)")
    int batch = 1000;

    @Option(names = "--runs", description = "db-bound, seed, skewed, mixed, rate-bound, all: timed runs of each scenario, "
            + "with the admin API's answer times of all of them pooled at the end (default: 1)")
    int runs = 1;

    @Option(names = "--record-rate", description = "live, firehose-replay: changes per second of the recorded stream (default: 10000)")
    double recordRate = 10_000;

    @Option(names = "--record-seconds", description = "live, firehose-replay: seconds of recorded stream (default: 20)")
    int recordSeconds = 20;

    @Option(names = "--lag-rate", description = "live: changes per second while the lag is measured (default: 2000)")
    double lagRate = 2_000;

    @Option(names = "--lag-seconds", description = "live: seconds the lag is measured over (default: 30)")
    int lagSeconds = 30;

    @Override
    public Integer call() throws Exception {
        if (scenario.equals("firehose")) {
            FirehoseBenchmark.run(System.out, 400, 1000, 20_000, 2);
            return 0;
        }
        if (scenario.equals("signatures")) {
            SignatureBenchmark.run(System.out);
            return 0;
        }
        try (var pg = EmbeddedPostgresServer.startTemporary("happyview-bench", true)) {
            if (scenario.equals("tap")) {
                TapBenchmark.run(pg, System.out);
                return 0;
            }
            if (scenario.equals("live")) {
                LiveBenchmark.run(pg, System.out, recordRate, recordSeconds, lagRate, lagSeconds);
                return 0;
            }
            if (scenario.equals("firehose-replay")) {
                FirehoseReplayBenchmark.run(pg, System.out, recordRate, recordSeconds);
                return 0;
            }
            if (scenario.equals("writer")) {
                try (var db = Database.connect(newDatabase(pg), 8)) {
                    WriterBenchmark.run(db, rows, batch, writerThreads, System.out);
                }
                return 0;
            }
            return new ScenarioBenchmark(pg, strategy, baseline, System.out).run(scenario, Math.max(1, runs));
        }
    }

    static String newDatabase(EmbeddedPostgresServer pg) throws Exception {
        String name = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (var c = DriverManager.getConnection(pg.jdbcUrl("postgres")); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return pg.jdbcUrl(name);
    }
}
