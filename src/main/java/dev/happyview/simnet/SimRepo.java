package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.repo.CarWriter;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.Commit;
import dev.happyview.protocol.repo.DagCborDecoder;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.MemoryBlockStore;
import dev.happyview.protocol.repo.MstBuilder;
import dev.happyview.protocol.syntax.Tid;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One simulated repo. Generated records keep only their generator index and time; values are rebuilt
 * from (seed, repo, index) when served, CIDs are computed on first use. Mutations store their value.
 */
final class SimRepo {
    static final long BASE_MICROS = 1_704_067_200_000_000L; // 2024-01-01T00:00:00Z
    private static final DateTimeFormatter ISO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** A record. {@code value == null}: generated from {@code gen}. */
    static final class Rec {
        final int gen;
        final long micros;
        final JsonNode value;
        volatile Cid cid;

        Rec(int gen, long micros, JsonNode value, Cid cid) {
            this.gen = gen;
            this.micros = micros;
            this.value = value;
            this.cid = cid;
        }
    }

    /** A record as served: key is "collection/rkey". */
    record Entry(String key, Rec rec) {
        String collection() {
            return key.substring(0, key.indexOf('/'));
        }

        String rkey() {
            return key.substring(key.indexOf('/') + 1);
        }
    }

    record Car(String rev, byte[] bytes, Cid commitCid) {}

    final int index;
    final String did;
    final String handle;
    final AtprotoKeyPair key;
    /** The PDS host it lives on; changes when the account migrates. */
    volatile int home;
    /** The account was deleted: no records, every host answers that it does not exist. */
    volatile boolean deleted;
    final boolean web;
    final boolean giant;
    final Faults.RepoFault fault;
    private final long seed;
    private final int clockId;
    private final AtomicInteger fired = new AtomicInteger();
    private final TreeMap<String, Rec> records = new TreeMap<>();
    private final TreeMap<String, Integer> collectionCounts = new TreeMap<>();
    private String rev;
    private long revMicros;
    private SoftReference<Car> car = new SoftReference<>(null);

    SimRepo(long seed, int index, String did, int home, boolean web, boolean giant, Faults.RepoFault fault,
            List<String> collections, int count) {
        this.seed = seed;
        this.index = index;
        this.did = did;
        this.handle = "u" + index + ".simnet.test";
        this.home = home;
        this.web = web;
        this.giant = giant;
        this.fault = fault;
        this.key = AtprotoKeyPair.generate(Curve.K256, Seeds.bytes(seed, index, "key"));
        this.clockId = (int) Math.floorMod(Seeds.mix(seed, index, 77), 1024);
        long micros = BASE_MICROS + Math.floorMod(Seeds.mix(seed, index, 1), 30L * 86_400_000_000L);
        double[] cumulative = weights(collections.size());
        for (int j = 0; j < count; j++) {
            long h = Seeds.mix(seed, index, 1000L + j);
            micros += 10_000_000L + Math.floorMod(h, 1_000_000L);
            double u = (h >>> 11) * 0x1.0p-53;
            int c = 0;
            while (c < cumulative.length - 1 && u >= cumulative[c]) {
                c++;
            }
            String coll = collections.get(c);
            records.put(coll + "/" + Tid.of(micros, clockId), new Rec(j, micros, null, null));
            collectionCounts.merge(coll, 1, Integer::sum);
        }
        revMicros = micros + 1;
        rev = Tid.of(revMicros, clockId);
    }

    private static double[] weights(int n) {
        double[] w = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1.0 / (i + 1);
            w[i] = sum;
        }
        for (int i = 0; i < n; i++) {
            w[i] /= sum;
        }
        return w;
    }


    /** True while a transient fault should still fire (counts one firing). */
    boolean fireFault() {
        if (fault == null) {
            return false;
        }
        int times = fault.times();
        if (times == Integer.MAX_VALUE) {
            return true;
        }
        return fired.getAndIncrement() < times;
    }

    synchronized String rev() {
        return rev;
    }

    synchronized Map<String, Integer> collectionCounts() {
        return new TreeMap<>(collectionCounts);
    }

    synchronized int size() {
        return records.size();
    }

    /** One listRecords page. */
    synchronized List<Entry> page(String collection, int limit, String cursor, boolean ascending) {
        NavigableMap<String, Rec> coll = records.subMap(collection + "/", true, collection + "0", false);
        if (!ascending) {
            coll = coll.descendingMap();
        }
        if (cursor != null && !cursor.isEmpty()) {
            coll = coll.tailMap(collection + "/" + cursor, false);
        }
        List<Entry> out = new ArrayList<>(Math.min(limit, coll.size()));
        for (Map.Entry<String, Rec> e : coll.entrySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(new Entry(e.getKey(), e.getValue()));
        }
        return out;
    }

    /** All records of the given collections (null = all), in key order. */
    synchronized List<Entry> snapshot(Set<String> collections) {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<String, Rec> e : records.entrySet()) {
            if (collections == null || collections.contains(e.getKey().substring(0, e.getKey().indexOf('/')))) {
                out.add(new Entry(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    synchronized Entry get(String key) {
        Rec r = records.get(key);
        return r == null ? null : new Entry(key, r);
    }

    JsonNode value(Entry e) {
        return e.rec.value != null ? e.rec.value : generate(e.collection(), e.rec);
    }

    byte[] cbor(Entry e) {
        return DagCborEncoder.encodeRecord(value(e));
    }

    Cid cid(Entry e) {
        Cid c = e.rec.cid;
        if (c == null) {
            c = Cid.ofDagCbor(cbor(e));
            e.rec.cid = c;
        }
        return c;
    }

    private JsonNode generate(String collection, Rec r) {
        long h = Seeds.mix(seed, index, 5_000_000L + r.gen);
        ObjectNode v = NODES.objectNode();
        v.put("$type", collection);
        v.put("text", TEXTS[(int) Math.floorMod(h, (long) TEXTS.length)] + " #" + r.gen);
        v.put("createdAt", ISO.format(Instant.ofEpochSecond(0, r.micros * 1000)));
        if (Math.floorMod(h >>> 8, 5L) == 0) {
            v.putObject("ref").put("$link", Cid.ofRaw(Seeds.bytes(seed, index, "link" + r.gen)).toString());
        }
        if (Math.floorMod(h >>> 16, 7L) == 0) {
            byte[] b = new byte[4 + (int) Math.floorMod(h >>> 24, 20L)];
            new Random(h).nextBytes(b);
            v.putObject("data").put("$bytes", Base64.getEncoder().withoutPadding().encodeToString(b));
        }
        if (Math.floorMod(h >>> 32, 3L) == 0) {
            v.putArray("langs").add("en").add("de");
            v.put("n", r.gen);
        }
        return v;
    }

    private static final String[] TEXTS = {
        "hello world", "just setting up my simnet", "a quiet afternoon", "Grüße aus Köln ☕",
        "testing, testing, 1 2 3", "what a day", "🦋 butterflies", "the quick brown fox jumps over the lazy dog",
    };

    /** Mutation time: strictly after the previous rev. */
    private long nextMicros() {
        revMicros = Math.max(System.currentTimeMillis() * 1000, revMicros + 1);
        rev = Tid.of(revMicros, clockId);
        car = new SoftReference<>(null);
        return revMicros;
    }

    static JsonNode canonical(JsonNode value) {
        return DagCborDecoder.decode(DagCborEncoder.encodeRecord(value));
    }

    synchronized Entry create(String collection, JsonNode value) {
        JsonNode v = canonical(value);
        long micros = nextMicros();
        String key = collection + "/" + Tid.of(micros, clockId);
        Rec r = new Rec(-1, micros, v, Cid.ofDagCbor(DagCborEncoder.encodeRecord(v)));
        records.put(key, r);
        collectionCounts.merge(collection, 1, Integer::sum);
        return new Entry(key, r);
    }

    synchronized Entry update(String key, JsonNode value) {
        Rec old = records.get(key);
        if (old == null) {
            return null;
        }
        JsonNode v = canonical(value);
        nextMicros();
        Rec r = new Rec(-1, old.micros, v, Cid.ofDagCbor(DagCborEncoder.encodeRecord(v)));
        records.put(key, r);
        return new Entry(key, r);
    }

    synchronized boolean delete(String key) {
        if (records.remove(key) == null) {
            return false;
        }
        nextMicros();
        String coll = key.substring(0, key.indexOf('/'));
        collectionCounts.computeIfPresent(coll, (k, n) -> n <= 1 ? null : n - 1);
        return true;
    }

    /** Deletes the account: every record goes. */
    synchronized void deleteAccount() {
        records.clear();
        collectionCounts.clear();
        deleted = true;
        nextMicros();
    }

    /** The repo as a signed CAR, blocks shuffled; CAR faults of this repo applied. Cached per rev. */
    Car car() {
        String currentRev;
        List<Entry> entries;
        synchronized (this) {
            Car c = car.get();
            if (c != null && c.rev.equals(rev)) {
                return c;
            }
            currentRev = rev;
            entries = snapshot(null);
        }
        Car built = build(currentRev, entries);
        synchronized (this) {
            if (rev.equals(currentRev)) {
                car = new SoftReference<>(built);
            }
        }
        return built;
    }

    private Car build(String buildRev, List<Entry> entries) {
        Faults.Kind f = fault == null ? null : fault.kind();
        MemoryBlockStore blocks = new MemoryBlockStore();
        TreeMap<String, Cid> mst = new TreeMap<>();
        Cid firstRecord = null;
        Set<String> bombed = new HashSet<>();
        for (Entry e : entries) {
            byte[] bytes = cbor(e);
            Cid cid = cid(e);
            if (f == Faults.Kind.CBOR_BOMB && bombed.add(e.collection())) {
                bytes = bomb(e.collection());
                cid = Cid.ofDagCbor(bytes);
            }
            blocks.put(cid, bytes);
            mst.put(e.key(), cid);
            if (firstRecord == null) {
                firstRecord = cid;
            }
        }
        Cid data = MstBuilder.build(mst, blocks);
        String commitDid = f == Faults.Kind.WRONG_DID ? Seeds.plcDid(seed, index, "wrong") : did;
        AtprotoKeyPair signer = f == Faults.Kind.BAD_SIG
                ? AtprotoKeyPair.generate(Curve.K256, Seeds.bytes(seed, index, "bad-key")) : key;
        Commit commit = Commit.sign(commitDid, data, buildRev, null, signer);
        Cid commitCid = blocks.putDagCbor(commit.encode());
        List<Map.Entry<Cid, byte[]>> list = new ArrayList<>(blocks.blocks().entrySet());
        Cid target = firstRecord != null ? firstRecord : data;
        if (f == Faults.Kind.MISSING_BLOCK) {
            list.removeIf(e -> e.getKey().equals(target));
        } else if (f == Faults.Kind.HASH_MISMATCH) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).getKey().equals(target)) {
                    byte[] changed = list.get(i).getValue().clone();
                    changed[changed.length - 1] ^= 1;
                    list.set(i, Map.entry(target, changed));
                }
            }
        }
        Collections.shuffle(list, new Random(Seeds.mix(seed, index, buildRev.hashCode())));
        ByteArrayOutputStream out = new ByteArrayOutputStream(list.size() * 200 + 64);
        List<Integer> sectionStarts = new ArrayList<>();
        try {
            CarWriter writer = new CarWriter(out, List.of(commitCid));
            for (Map.Entry<Cid, byte[]> e : list) {
                sectionStarts.add(out.size());
                writer.write(e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = out.toByteArray();
        if (f == Faults.Kind.TRUNCATED_CAR) {
            int mid = sectionStarts.size() / 2;
            int start = sectionStarts.get(mid);
            int end = mid + 1 < sectionStarts.size() ? sectionStarts.get(mid + 1) : bytes.length;
            bytes = Arrays.copyOf(bytes, start + Math.max(2, (end - start) / 2));
        }
        return new Car(buildRev, bytes, commitCid);
    }

    /** A record nested 10,000 arrays deep: {"$type": coll, "bomb": [[[…]]]}. */
    private static byte[] bomb(String collection) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] type = "$type".getBytes(StandardCharsets.UTF_8);
        byte[] coll = collection.getBytes(StandardCharsets.UTF_8);
        out.write(0xA2);
        out.write(0x64);
        out.writeBytes("bomb".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 10_000; i++) {
            out.write(0x81);
        }
        out.write(0x00);
        out.write(0x60 + type.length);
        out.writeBytes(type);
        if (coll.length < 24) {
            out.write(0x60 + coll.length);
        } else {
            out.write(0x78);
            out.write(coll.length);
        }
        out.writeBytes(coll);
        return out.toByteArray();
    }
}
