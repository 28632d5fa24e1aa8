package dev.happyview.tap;

import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes what Tap's {@code /channel} delivers. Frames from the {@link TapChannel} are gathered in batches (up to
 * 1000 or 20 ms) and split by DID over two appliers, each committing a batch in one transaction
 * ({@link TapBatchApplier}); only after the commit is each event acknowledged, so a crash can cause redelivery but
 * never loss. Frames that cannot be used go to the dead letters in the same transaction and are acknowledged too, so
 * one bad frame cannot block the stream.
 */
public final class TapChannelConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TapChannelConsumer.class);
    private static final int BATCH = 1000;
    private static final long BATCH_WAIT_MS = 20;
    /** Transactions applied at once; two keep both cores and Postgres busy without reordering any DID's events. */
    private static final int APPLIERS = 2;

    private final TapChannel channel;
    private final TapBatchApplier applier;
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>(10_000);
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private volatile String lastError;
    private volatile Instant lastEventAt;
    private volatile double eventsPerSecond;
    private volatile boolean running;
    private Thread processor;
    private final List<BlockingQueue<Work>> applierQueues = new ArrayList<>();
    private final List<Thread> appliers = new ArrayList<>();

    public TapChannelConsumer(TapClient tap, Database db, RecordWriter writer, Predicate<String> isRecordCollection) {
        this.channel = new TapChannel(tap, frames, error -> lastError = error);
        this.applier = new TapBatchApplier(db, writer, isRecordCollection);
    }

    public void start() {
        running = true;
        channel.start();
        for (int i = 0; i < APPLIERS; i++) {
            var queue = new ArrayBlockingQueue<Work>(2);
            applierQueues.add(queue);
            appliers.add(Thread.ofPlatform().daemon().name("tap-applier-" + i).start(() -> applyLoop(queue)));
        }
        processor = Thread.ofPlatform().daemon().name("tap-processor").start(this::processLoop);
    }

    /** What the stats endpoint shows. */
    public record Status(ChannelState state, String lastError, long eventsApplied, double eventsPerSecond, Instant lastEventAt,
            long deadLetters, long copiesDropped) {}

    public Status status() {
        return new Status(channel.state(), lastError, applied.get(),
                Math.round(eventsPerSecond * 10) / 10.0, lastEventAt, deadLetters.get(), channel.copiesDropped());
    }

    /**
     * Gathers frames into batches, parses them and hands each applier the events of its DIDs. A DID always goes to the
     * same applier, and each applier commits its batches in order, so per-DID order holds while two transactions run
     * at once.
     */
    private void processLoop() {
        var batch = new ArrayList<String>(BATCH);
        long windowStart = System.nanoTime();
        long windowApplied = applied.get();
        try {
            while (running || !frames.isEmpty()) {
                try {
                    String first = frames.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) continue;
                    batch.add(first);
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BATCH_WAIT_MS);
                    while (batch.size() < BATCH) {
                        String next = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                        if (next == null) break;
                        batch.add(next);
                    }
                    dispatch(batch);
                    long now = System.nanoTime();
                    if (now - windowStart >= 1_000_000_000L) {
                        long total = applied.get();
                        eventsPerSecond = (total - windowApplied) / ((now - windowStart) / 1e9);
                        windowStart = now;
                        windowApplied = total;
                    }
                } catch (InterruptedException e) {
                    return;
                } finally {
                    batch.clear();
                }
            }
        } finally {
            for (var q : applierQueues) q.add(Work.STOP);
        }
    }

    /** Events of one batch for one applier, with their frames (kept for dead letters). */
    private record Work(List<TapEvent> events, List<String> frames) {
        static final Work STOP = new Work(List.of(), List.of());
    }

    private void dispatch(List<String> batch) throws InterruptedException {
        var parts = new ArrayList<Work>(APPLIERS);
        for (int i = 0; i < APPLIERS; i++) parts.add(new Work(new ArrayList<>(), new ArrayList<>()));
        for (String frame : batch) {
            TapEvent e = TapEvent.parse(frame);
            String did = switch (e) {
                case TapEvent.RecordEvent r -> r.did();
                case TapEvent.IdentityEvent i -> i.did();
                case TapEvent.Unparseable u -> "";
            };
            Work w = parts.get(Math.floorMod(did.hashCode(), APPLIERS));
            w.events().add(e);
            w.frames().add(frame);
        }
        for (int i = 0; i < APPLIERS; i++) {
            if (!parts.get(i).events().isEmpty()) applierQueues.get(i).put(parts.get(i));
        }
    }

    private void applyLoop(BlockingQueue<Work> queue) {
        while (true) {
            Work work;
            try {
                work = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (work == Work.STOP) return;
            try {
                var done = applier.apply(work.events(), work.frames());
                deadLetters.addAndGet(done.deadLetters());
                applied.addAndGet(done.events());
                lastEventAt = Instant.now();
                for (TapEvent e : work.events()) {
                    if (e.id() >= 0) channel.acknowledge(e.id());
                }
            } catch (Exception e) {
                // Not committed: not acknowledged either, so Tap delivers these events again.
                for (TapEvent ev : work.events()) {
                    if (ev.id() >= 0) channel.release(ev.id());
                }
                lastError = "applying events: " + e;
                log.warn("tap batch of {} events not applied: {}", work.events().size(), e.toString());
            }
        }
    }

    /** Drops the connection abruptly, as a crash would (tests); the consumer reconnects by itself. */
    public void dropConnection() {
        channel.dropConnection();
    }

    @Override
    public void close() {
        running = false;
        channel.close();
        try {
            if (processor != null) processor.join(5000);
            for (Thread t : appliers) t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
