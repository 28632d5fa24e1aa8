package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Changes a {@link SimNetwork} at a steady rate for a while, then stops: creates (about half), updates and deletes (a
 * quarter each) of records of the scenario's collections, spread over all repos, deletes and updates always of
 * records that exist; and, one change in 200 each, an account deleted (at most one repo in 20) or a repo moved to
 * another PDS host. Deterministic for a seed, apart from timing. It learns the records it may touch once, from the
 * network, and follows every later change through {@link SimNetwork#onMutation}.
 */
public final class LiveMutator implements AutoCloseable {
    private final SimNetwork net;
    private final double rate;
    private final Duration duration;
    private final Random random;
    private final List<String> dids;
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    private final Map<String, List<String>> uris = new HashMap<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong migrations = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private LiveMutator(SimNetwork net, double opsPerSecond, Duration duration, long seed) {
        this.net = net;
        this.rate = opsPerSecond;
        this.duration = duration;
        this.random = new Random(seed);
        this.dids = new ArrayList<>(net.dids().stream().filter(d -> net.faultOf(d) == null).toList());
        synchronized (uris) {
            net.onMutation(this::track);
            for (String uri : net.groundTruth(null, null).records().keySet()) {
                uris.computeIfAbsent(didOf(uri), d -> new ArrayList<>()).add(uri);
            }
        }
        this.thread = Thread.ofPlatform().daemon().name("simnet-live-mutator").unstarted(this::run);
    }

    /** Starts changing the network: {@code opsPerSecond} changes a second for {@code duration}. */
    public static LiveMutator start(SimNetwork net, double opsPerSecond, Duration duration, long seed) {
        var m = new LiveMutator(net, opsPerSecond, duration, seed);
        m.thread.start();
        return m;
    }

    private static String didOf(String uri) {
        return uri.substring(5, uri.indexOf('/', 5));
    }

    private void track(Mutation m) {
        if (m.collection() == null) return;
        synchronized (uris) {
            var list = uris.computeIfAbsent(m.did(), d -> new ArrayList<>());
            if (m.type() == Mutation.Type.CREATE) list.add(m.uri());
            else if (m.type() == Mutation.Type.DELETE) list.remove(m.uri());
        }
    }

    private void run() {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long interval = (long) (1e9 / rate);
        long next = start;
        try {
            while (running && System.nanoTime() < end) {
                long wait = next - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                next += interval;
                mutate();
                ops.incrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done.countDown();
        }
    }

    private void mutate() {
        String did = dids.get(random.nextInt(dids.size()));
        int rare = random.nextInt(200);
        if (rare == 0 && gone.size() < dids.size() / 20) {
            gone.add(did);
            dids.remove(did);
            net.deleteAccount(did);
            return;
        }
        if (rare == 1 && net.scenario().pdsHosts() > 1) {
            net.migrate(did, (net.homeOf(did) + 1) % net.scenario().pdsHosts());
            migrations.incrementAndGet();
            return;
        }
        List<String> collections = net.scenario().collections();
        int kind = random.nextInt(4);
        String existing;
        synchronized (uris) {
            var list = uris.getOrDefault(did, List.of());
            existing = list.isEmpty() ? null : list.get(random.nextInt(list.size()));
        }
        if (kind >= 2 || existing == null) {
            net.createRecord(did, collections.get(random.nextInt(collections.size())), value("created"));
        } else if (kind == 1) {
            net.updateRecord(existing, value("updated"));
        } else {
            net.deleteRecord(existing);
        }
    }

    private ObjectNode value(String what) {
        return JsonNodeFactory.instance.objectNode().put("text", what + " " + random.nextInt(1_000_000))
                .put("createdAt", Instant.now().toString());
    }

    /** Accounts deleted so far. */
    public int accountsDeleted() {
        return gone.size();
    }

    /** Repos moved to another PDS so far. */
    public long migrations() {
        return migrations.get();
    }

    /** Changes made so far. */
    public long ops() {
        return ops.get();
    }

    /** Waits until the duration is over (or {@link #close}); false if it is still running after {@code timeout}. */
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
