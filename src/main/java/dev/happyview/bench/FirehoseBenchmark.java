package dev.happyview.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.crypto.EcdsaVerifier;
import dev.happyview.protocol.firehose.CommitBuilder;
import dev.happyview.protocol.firehose.CommitVerifier;
import dev.happyview.protocol.firehose.FirehoseEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FrameDecoder;
import dev.happyview.protocol.firehose.FrameEncoder;
import dev.happyview.protocol.firehose.RepoOp;
import dev.happyview.protocol.firehose.SyncRules;
import dev.happyview.protocol.firehose.VerifiedCommit;
import dev.happyview.protocol.repo.CarSlice;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.MemoryBlockStore;
import dev.happyview.protocol.repo.MstBuilder;
import dev.happyview.protocol.repo.MstTree;
import dev.happyview.protocol.syntax.Tid;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToLongFunction;

/**
 * {@code happyview bench firehose}: verified replay of a recorded {@code subscribeRepos} stream, in memory (no
 * sockets, no database), with real secp256k1 signatures.
 *
 * <p>The stream: {@code repos} accounts, each with a tree of {@code records} records to start with, then
 * {@code events} single-op commits spread over them (80% creates, 15% deletes, 5% updates, as on the network),
 * each built as a PDS emits it (signed commit, CAR slice with the inversion proof, {@code prevData}) and encoded
 * as a frame. The replay decodes each frame, verifies it (signature, ops inverted on the slice's MST against
 * {@code prevData}) and applies the sync rules against the repo's stored rev and data, on {@code threads}
 * workers partitioned by DID (parallel across accounts, in order within one). Then, single-threaded, the same
 * frames are taken through each step alone to split the CPU per event: parsing (frame, CAR slice, commit),
 * signature, MST inversion.
 */
final class FirehoseBenchmark {
    private static final long START_MICROS = 1_767_225_600_000_000L; // 2026-01-01
    private static final String[] COLLECTIONS = {"app.bsky.feed.like", "app.bsky.feed.post", "app.bsky.graph.follow"};

    private record Account(String did, AtprotoKeyPair key, MemoryBlockStore store, List<String> paths) {}

    private record Recorded(List<byte[]> frames, Map<String, AtprotoPublicKey> keys, Map<String, String> startRevs,
                            Map<String, Cid> startData) {}

    private FirehoseBenchmark() {}

    static void run(PrintStream out, int repos, int records, int events, int threads) throws Exception {
        long t0 = System.nanoTime();
        Recorded stream = record(repos, records, events);
        long bytes = stream.frames().stream().mapToLong(f -> f.length).sum();
        out.printf("recorded %,d commit frames (%,.1f MB, %,.0f bytes/frame) over %,d repos of %,d records in %.1f s%n",
                events, bytes / 1e6, (double) bytes / events, repos, records, (System.nanoTime() - t0) / 1e9);

        for (int round = 1; round <= 3; round++) {
            replay(stream, threads, round == 3 ? out : null);
        }
        split(stream, out);
    }

    /** Builds the accounts and the stream. */
    private static Recorded record(int repos, int records, int events) {
        Random random = new Random(42);
        List<Account> accounts = new ArrayList<>(repos);
        Map<String, AtprotoPublicKey> keys = new HashMap<>();
        Map<String, String> revs = new HashMap<>();
        Map<String, Cid> data = new HashMap<>();
        long micros = START_MICROS;
        for (int i = 0; i < repos; i++) {
            String did = String.format("did:plc:bench%019d", i);
            AtprotoKeyPair key = AtprotoKeyPair.generate(Curve.K256, ByteBuffer.allocate(8).putLong(i).array());
            TreeMap<String, Cid> initial = new TreeMap<>();
            for (int r = 0; r < records; r++) {
                micros += 1 + random.nextInt(1_000_000);
                initial.put(COLLECTIONS[random.nextInt(COLLECTIONS.length)] + "/" + Tid.of(micros, i & 1023),
                        Cid.ofDagCbor(ByteBuffer.allocate(8).putLong(micros).array()));
            }
            MemoryBlockStore store = new MemoryBlockStore();
            data.put(did, MstBuilder.build(initial, store));
            revs.put(did, Tid.of(micros, 0));
            keys.put(did, key.publicKey());
            accounts.add(new Account(did, key, store, new ArrayList<>(initial.keySet())));
        }
        Map<String, String> startRevs = new HashMap<>(revs);
        Map<String, Cid> startData = new HashMap<>(data);
        List<byte[]> frames = new ArrayList<>(events);
        for (int e = 0; e < events; e++) {
            Account a = accounts.get(random.nextInt(repos));
            micros += 1 + random.nextInt(1000);
            int dice = random.nextInt(100);
            CommitBuilder.Write write;
            if (dice < 80 || a.paths().isEmpty()) {
                String path = COLLECTIONS[random.nextInt(COLLECTIONS.length)] + "/" + Tid.of(micros, 1);
                a.paths().add(path);
                write = new CommitBuilder.Write(RepoOp.Action.CREATE, path, record(path, micros));
            } else if (dice < 95) {
                write = new CommitBuilder.Write(RepoOp.Action.DELETE, a.paths().remove(random.nextInt(a.paths().size())), null);
            } else {
                String path = a.paths().get(random.nextInt(a.paths().size()));
                write = new CommitBuilder.Write(RepoOp.Action.UPDATE, path, record(path, micros));
            }
            String rev = Tid.of(micros, 2);
            CommitBuilder.Built built = CommitBuilder.commit(a.did(), a.key(), data.get(a.did()), a.store(), revs.get(a.did()),
                    rev, List.of(write), e + 1, "2026-01-01T00:00:00.000Z");
            built.newBlocks().forEach(a.store()::put);
            data.put(a.did(), built.commit().data());
            revs.put(a.did(), rev);
            frames.add(FrameEncoder.encode(built.event()));
        }
        return new Recorded(frames, keys, startRevs, startData);
    }

    private static byte[] record(String path, long micros) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("$type", path.substring(0, path.indexOf('/')));
        r.put("createdAt", Instant.ofEpochSecond(micros / 1_000_000).toString());
        r.putObject("subject").put("uri", "at://did:plc:someone/app.bsky.feed.post/" + Tid.of(micros, 3))
                .put("cid", "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm");
        return DagCborEncoder.encodeRecord(r);
    }

    /** Decodes, verifies and chains every frame on {@code threads} workers partitioned by DID. */
    private static void replay(Recorded stream, int threads, PrintStream out) throws Exception {
        FrameDecoder decoder = new FrameDecoder();
        List<List<byte[]>> partitions = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            partitions.add(new ArrayList<>());
        }
        for (byte[] frame : stream.frames()) {
            CommitEvent event = (CommitEvent) decoder.decode(frame);
            partitions.get(Math.floorMod(event.repo().hashCode(), threads)).add(frame);
        }
        Instant now = Instant.ofEpochSecond(START_MICROS / 1_000_000 + 365L * 86_400);
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<Long>> done = new ArrayList<>();
            for (List<byte[]> partition : partitions) {
                done.add(pool.submit(() -> {
                    Map<String, String> revs = new HashMap<>(stream.startRevs());
                    Map<String, Cid> data = new HashMap<>(stream.startData());
                    long applied = 0;
                    for (byte[] frame : partition) {
                        CommitEvent event = (CommitEvent) decoder.decode(frame);
                        VerifiedCommit verified = CommitVerifier.verify(event, refresh -> stream.keys().get(event.repo()));
                        SyncRules.Decision decision = SyncRules.commit(revs.get(event.repo()), data.get(event.repo()),
                                event.rev(), event.since(), event.prevData(), now);
                        if (decision.verdict() != SyncRules.Verdict.APPLY || !verified.chained()) {
                            throw new IllegalStateException("recorded commit did not chain: " + decision);
                        }
                        revs.put(event.repo(), event.rev());
                        data.put(event.repo(), verified.commit().data());
                        applied++;
                    }
                    return applied;
                }));
            }
            long applied = 0;
            for (Future<Long> f : done) {
                applied += f.get();
            }
            if (applied != stream.frames().size()) {
                throw new IllegalStateException("applied " + applied + " of " + stream.frames().size());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuMicros = (processCpuNanos() - cpu0) / 1e3 / stream.frames().size();
        if (out != null) {
            out.printf("verified replay (%d threads, by DID): %,.0f events/s; %.1f µs CPU per event (process, GC included)%n",
                    threads, stream.frames().size() / seconds, cpuMicros);
        }
    }

    /** CPU per event of each step alone, single-threaded, on pre-decoded inputs where a step needs them. */
    private static void split(Recorded stream, PrintStream out) {
        FrameDecoder decoder = new FrameDecoder();
        List<CommitEvent> events = new ArrayList<>();
        List<CarSlice> slices = new ArrayList<>();
        List<Commit> commits = new ArrayList<>();
        for (byte[] frame : stream.frames()) {
            CommitEvent event = (CommitEvent) decoder.decode(frame);
            CarSlice slice = CarSlice.parse(event.blocks(), 10_000);
            events.add(event);
            slices.add(slice);
            commits.add(Commit.decode(slice.get(event.commit())));
        }
        int n = events.size();
        long parse = cpuPerEvent(n, i -> {
            FirehoseEvent event = decoder.decode(stream.frames().get(i));
            CarSlice slice = CarSlice.parse(((CommitEvent) event).blocks(), 10_000);
            return Commit.decode(slice.get(((CommitEvent) event).commit())).version() == Commit.VERSION ? 1 : 0;
        });
        long signature = cpuPerEvent(n, i -> commits.get(i).verifySignature(stream.keys().get(events.get(i).repo())) ? 1 : 0);
        long inversion = cpuPerEvent(n, i -> {
            MstTree tree = MstTree.load(commits.get(i).data(), slices.get(i));
            CommitVerifier.invert(events.get(i).ops(), events.get(i).prevData(), tree);
            return 1;
        });
        long total = parse + signature + inversion;
        out.printf("CPU per event, one thread, each step alone: parsing %.1f µs (%.0f%%), signature (%s) %.1f µs (%.0f%%), "
                        + "MST inversion %.1f µs (%.0f%%); sum %.1f µs = %,.0f events/s per core%n",
                parse / 1e3, 100.0 * parse / total, EcdsaVerifier.forCurve(Curve.K256).name(),
                signature / 1e3, 100.0 * signature / total,
                inversion / 1e3, 100.0 * inversion / total, total / 1e3, 1e9 / total);
    }

    /**
     * Runs the step over every event twice (the first to warm up) and returns thread CPU nanoseconds per event;
     * each step returns 1 when it succeeded, and anything else fails the benchmark.
     */
    private static long cpuPerEvent(int n, ToLongFunction<Integer> step) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sink = 0;
        long cpu = 0;
        for (int pass = 0; pass < 2; pass++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                sink += step.applyAsLong(i);
            }
            cpu = mx.getCurrentThreadCpuTime() - c0;
        }
        if (sink != 2L * n) {
            throw new IllegalStateException("a step failed on " + (2L * n - sink) + " events");
        }
        return cpu / n;
    }

    private static long processCpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().orElseThrow().toNanos();
    }
}
