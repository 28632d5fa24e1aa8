package dev.happyview.bench;

import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Rows per second of {@link RecordWriter}: inserts, unchanged re-upserts (skipped) and changed upserts. */
final class WriterBenchmark {
    private WriterBenchmark() {}

    static void run(Database db, int rows, int batch, int threads, PrintStream out) throws Exception {
        var writer = new RecordWriter(db);
        out.printf("record writer: %,d rows of ~%d bytes, batches of %d, %d threads%n", rows,
                batch(0, 1, rows, "v1").getFirst().recordJson().length(), batch, threads);
        report(out, "insert", rows, time(writer, rows, batch, "v1", threads));
        report(out, "unchanged (skipped)", rows, time(writer, rows, batch, "v1", threads));
        report(out, "changed (updated)", rows, time(writer, rows, batch, "v2", threads));
    }

    /**
     * Each task builds its batch just before writing it (about a microsecond a row, inside the timing): holding every
     * row up front took more than a 256 MB heap.
     */
    private static long time(RecordWriter writer, int rows, int batch, String version, int threads) throws Exception {
        long t0 = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(threads)) {
            var futures = new ArrayList<Future<Integer>>();
            for (int first = 0; first < rows; first += batch) {
                int from = first;
                futures.add(pool.submit(() -> writer.upsert(batch(from, batch, rows, version))));
            }
            for (var f : futures) f.get();
        }
        return System.nanoTime() - t0;
    }

    private static void report(PrintStream out, String what, int rows, long nanos) {
        out.printf("  %-20s %,10.0f rows/s  (%,d ms)%n", what, rows / (nanos / 1e9), nanos / 1_000_000);
    }

    /** Rows {@code from} to {@code from + size} (at most {@code rows}) of one version of the data set. */
    static List<RecordRow> batch(int from, int size, int rows, String version) {
        var current = new ArrayList<RecordRow>(size);
        String text = "lorem ipsum dolor sit amet ".repeat(14);
        for (int i = from; i < Math.min(rows, from + size); i++) {
            String did = "did:plc:bench" + String.format("%011d", i / 100);
            String rkey = "3k" + String.format("%011d", i);
            String json = "{\"$type\":\"app.bench.post\",\"text\":\"" + text + version + "\",\"createdAt\":\"2024-05-01T12:00:00.000Z\","
                    + "\"langs\":[\"en\"],\"reply\":{\"root\":{\"uri\":\"at://" + did + "/app.bench.post/" + rkey + "\"}}}";
            current.add(new RecordRow("at://" + did + "/app.bench.post/" + rkey, did, "app.bench.post", rkey,
                    "bafyrei" + version + String.format("%052d", i), json, version.equals("v1") ? "3kaaaaaaaaaaa" : "3kbbbbbbbbbbb"));
        }
        return current;
    }
}
