package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.repo.CarWriter;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.MstBuilder;
import dev.happyview.protocol.repo.RepoVerifier;
import dev.happyview.protocol.repo.VerifiedRepo;
import dev.happyview.protocol.syntax.Tid;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Micro benchmark: builds a signed repo of N records (default 200,000) with {@link MstBuilder}, writes
 * it as a CAR file, then times {@link RepoVerifier} over it and prints records/s, MB/s and peak heap.
 * Run with e.g. {@code java -Xmx256m -cp … dev.happyview.bench.CarBenchmark 1000000}.
 */
public final class CarBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DID = "did:plc:benchmarkbenchmarkbench";
    private static final String[] COLLECTIONS = {"app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.graph.follow"};
    private static final long BASE_MICROS = 1_700_000_000_000_000L;

    private CarBenchmark() {}

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path car = Files.createTempFile("bench-", ".car");
        try {
            AtprotoKeyPair key = AtprotoKeyPair.generate(Curve.K256, new byte[] {1});
            long t0 = System.nanoTime();
            writeRepo(n, key, car);
            long buildMs = (System.nanoTime() - t0) / 1_000_000;
            long size = Files.size(car);
            System.out.printf("built %,d records: CAR %,.1f MB in %,d ms%n", n, size / 1e6, buildMs);

            for (int run = 1; run <= 2; run++) {
                System.gc();
                HeapSampler sampler = HeapSampler.start(Duration.ofMillis(5));
                AtomicLong textBytes = new AtomicLong();
                long t1 = System.nanoTime();
                VerifiedRepo result;
                try (InputStream in = new BufferedInputStream(Files.newInputStream(car), 256 * 1024)) {
                    result = new RepoVerifier().verify(in, DID, key.publicKey(), c -> true,
                            r -> textBytes.addAndGet(r.value().path("text").asText("").length()));
                }
                double seconds = (System.nanoTime() - t1) / 1e9;
                long peak = sampler.stop();
                System.out.printf("run %d: verified %,d records (%,d blocks) in %.2f s: %,.0f records/s, %.1f MB/s, "
                                + "peak heap %.1f MB (max %.0f MB)%n",
                        run, result.records(), result.blocks(), seconds, result.records() / seconds,
                        size / 1e6 / seconds, peak / 1e6, Runtime.getRuntime().maxMemory() / 1e6);
            }
        } finally {
            Files.deleteIfExists(car);
        }
    }

    /** Two passes over the same deterministic records: one for the MST root, one to stream the CAR. */
    private static void writeRepo(int n, AtprotoKeyPair key, Path car) throws IOException {
        MstBuilder rootOnly = new MstBuilder((cid, block) -> { });
        forEachRecord(n, (k, block) -> rootOnly.add(k, Cid.ofDagCbor(block)));
        Commit commit = Commit.sign(DID, rootOnly.finish(), "3kznmn7xqxl22", null, key);
        byte[] commitBlock = commit.encode();
        Cid commitCid = Cid.ofDagCbor(commitBlock);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(car), 256 * 1024)) {
            CarWriter writer = new CarWriter(out, List.of(commitCid));
            writer.write(commitCid, commitBlock);
            MstBuilder mst = new MstBuilder((cid, block) -> write(writer, cid, block));
            forEachRecord(n, (k, block) -> {
                Cid cid = Cid.ofDagCbor(block);
                write(writer, cid, block);
                mst.add(k, cid);
            });
            if (!mst.finish().equals(commit.data())) {
                throw new IllegalStateException("MST root differs between passes");
            }
        }
    }

    private interface RecordSink {
        void accept(String key, byte[] block);
    }

    /** Records in key order: collections sorted, TIDs increasing within each. */
    private static void forEachRecord(int n, RecordSink sink) {
        int perCollection = (n + COLLECTIONS.length - 1) / COLLECTIONS.length;
        int emitted = 0;
        for (String collection : COLLECTIONS) {
            for (int i = 0; i < perCollection && emitted < n; i++, emitted++) {
                sink.accept(collection + "/" + Tid.of(BASE_MICROS + i, 0), DagCborEncoder.encodeRecord(record(collection, i)));
            }
        }
    }

    private static JsonNode record(String collection, int i) {
        ObjectNode record = JSON.createObjectNode();
        record.put("$type", collection);
        record.put("createdAt", "2024-05-01T12:34:56.789Z");
        if (collection.endsWith("post")) {
            record.put("text", "Post number " + i + " with a bit of text, like most posts have. 🦋");
            record.putArray("langs").add("en");
        } else {
            ObjectNode subject = record.putObject("subject");
            subject.put("uri", "at://did:plc:abcdefghijklmnopqrstuvwx/app.bsky.feed.post/3k" + i);
            subject.putObject("cid").put("$link", Cid.ofDagCbor(new byte[] {(byte) i, (byte) (i >> 8)}).toString());
        }
        return record;
    }

    private static void write(CarWriter writer, Cid cid, byte[] block) {
        try {
            writer.write(cid, block);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
