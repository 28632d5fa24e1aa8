package dev.happyview.live;

import dev.happyview.store.Database;
import dev.happyview.sync.LiveBuffer;
import dev.happyview.sync.RepoSyncStore;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * From a live source's frames to committed writes. One thread gathers frames into batches (up to 1000, or what came
 * in 20 ms) and parses them; the batch is split by repo over {@link #PARTITIONS} appliers, so each repo's events keep
 * their order while two transactions run at once. Each applier commits, in one transaction: the sync-state routing
 * (events of repos being backfilled go to the durable buffer, the rest are applied) and its partition's cursor. A
 * failed transaction is retried, in order, until it commits: a partition never moves past an event it did not
 * commit. An event the database refuses for its data (SQLSTATE class 22/23) is singled out and counted, and its repo
 * marked desynchronized, so one bad event cannot stop the stream.
 */
public final class LivePipeline<F, E extends LiveEvent> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LivePipeline.class);
    public static final int PARTITIONS = 2;
    private static final int BATCH = 1000;
    private static final long BATCH_WAIT_MS = 20;

    private final Database db;
    private final RepoSyncStore sync;
    private final LiveBuffer buffer;
    private final CursorStore cursors;
    private final LiveApplier<E> applier;
    private final Function<F, E> parser;
    private final Consumer<LiveApplier.Outcome> afterCommit;
    private final LiveStats stats = new LiveStats();
    private final BlockingQueue<F> frames = new ArrayBlockingQueue<>(10_000);
    private final List<BlockingQueue<Work<E>>> queues = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private volatile String lastError;

    public LivePipeline(Database db, RepoSyncStore sync, LiveBuffer buffer, CursorStore cursors, LiveApplier<E> applier,
            Function<F, E> parser, Consumer<LiveApplier.Outcome> afterCommit) {
        this.db = db;
        this.sync = sync;
        this.buffer = buffer;
        this.cursors = cursors;
        this.applier = applier;
        this.parser = parser;
        this.afterCommit = afterCommit;
    }

    /** One partition's share of a batch; {@code cursor} covers the whole batch. */
    private record Work<E>(List<E> events, long cursor) {
        static final Work<?> STOP = new Work<>(List.of(), -1);
    }

    public void start() {
        running = true;
        for (int p = 0; p < PARTITIONS; p++) {
            var queue = new ArrayBlockingQueue<Work<E>>(4);
            queues.add(queue);
            int partition = p;
            threads.add(Thread.ofPlatform().daemon().name(applier.source() + "-applier-" + p)
                    .start(() -> applyLoop(partition, queue)));
        }
        threads.add(Thread.ofPlatform().daemon().name(applier.source() + "-batcher").start(this::batchLoop));
    }

    /** Hands a frame over; blocks while the pipeline is full (back pressure to the source's socket). */
    public void offer(F frame) throws InterruptedException {
        frames.put(frame);
    }

    public LiveStats stats() {
        return stats;
    }

    public String lastError() {
        return lastError;
    }

    /** Frames received and not yet handed to an applier. */
    public int backlog() {
        return frames.size();
    }

    private void batchLoop() {
        var batch = new ArrayList<F>(BATCH);
        try {
            while (running) {
                F first = frames.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BATCH_WAIT_MS);
                while (batch.size() < BATCH) {
                    F next = frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) break;
                    batch.add(next);
                }
                dispatch(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (var q : queues) {
                try {
                    q.offer(stop(), 10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private Work<E> stop() {
        return (Work<E>) Work.STOP;
    }

    private void dispatch(List<F> batch) throws InterruptedException {
        var parts = new ArrayList<List<E>>(PARTITIONS);
        for (int p = 0; p < PARTITIONS; p++) parts.add(new ArrayList<>());
        long cursor = -1;
        for (F frame : batch) {
            E e = parser.apply(frame);
            cursor = Math.max(cursor, e.cursor());
            String did = e.did();
            parts.get(did == null ? 0 : Math.floorMod(did.hashCode(), PARTITIONS)).add(e);
        }
        if (cursor < 0) return; // nothing in the batch says where it is in the stream
        for (int p = 0; p < PARTITIONS; p++) {
            // Every partition gets the batch's cursor, even with no events of its own, so none lags behind.
            var queue = queues.get(p);
            if (parts.get(p).isEmpty() && !queue.isEmpty()) continue; // a queued batch will carry a later cursor
            queue.put(new Work<>(parts.get(p), cursor));
        }
    }

    private void applyLoop(int partition, BlockingQueue<Work<E>> queue) {
        while (true) {
            Work<E> work;
            try {
                work = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (work == Work.STOP) return;
            long backoff = 100;
            while (true) {
                try {
                    apply(partition, work);
                    lastError = null;
                    break;
                } catch (SQLException e) {
                    if (isDataError(e) && work.events().size() > 1) {
                        if (applyOneByOne(partition, work)) break;
                    }
                    lastError = "applying events: " + e.getMessage();
                    log.warn("{}: a batch of {} events was not applied ({}); retrying", applier.source(),
                            work.events().size(), e.toString());
                } catch (RuntimeException e) {
                    lastError = "applying events: " + e;
                    log.warn("{}: a batch of {} events was not applied; retrying", applier.source(), work.events().size(), e);
                }
                if (!sleep(backoff)) return;
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void apply(int partition, Work<E> work) throws SQLException {
        LiveApplier.Outcome outcome;
        int bufferedCount;
        List<E> events = applier.prepare(work.events());
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                var routed = route(c, events);
                bufferedCount = routed.bufferedCount;
                outcome = applier.apply(c, routed.direct);
                cursors.save(c, applier.source(), partition, work.cursor());
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        committed(work.events(), bufferedCount, outcome);
    }

    private record Routed<E>(List<E> direct, int bufferedCount) {}

    /** Sends the events of repos being backfilled to the buffer; returns the others. */
    private Routed<E> route(Connection c, List<E> events) throws SQLException {
        if (events.isEmpty()) return new Routed<>(events, 0);
        Map<String, String> newest = new HashMap<>();
        for (E e : events) {
            if (e.did() == null) continue;
            String rev = applier.routeRecordsRevision() ? e.rev() : null;
            newest.merge(e.did(), rev == null ? "" : rev, (a, b) -> a.compareTo(b) >= 0 ? a : b);
        }
        newest.replaceAll((did, rev) -> rev.isEmpty() ? null : rev);
        Set<String> backfilling = sync.route(c, newest);
        if (backfilling.isEmpty()) return new Routed<>(events, 0);
        var direct = new ArrayList<E>(events.size());
        var kept = new ArrayList<LiveBuffer.Entry>();
        for (E e : events) {
            if (e.did() != null && backfilling.contains(e.did())) kept.add(new LiveBuffer.Entry(e.did(), e.rev(), e.payload()));
            else direct.add(e);
        }
        buffer.append(c, applier.source(), kept);
        return new Routed<>(direct, kept.size());
    }

    /** After a data error: each event in its own transaction; one the database refuses marks its repo desynchronized. */
    private boolean applyOneByOne(int partition, Work<E> work) {
        log.warn("{}: a batch of {} events hit a data error; applying them one by one", applier.source(), work.events().size());
        try {
            for (E e : work.events()) {
                try {
                    apply(partition, new Work<>(List.of(e), work.cursor()));
                } catch (SQLException error) {
                    if (!isDataError(error)) throw error;
                    refuse(partition, e, work.cursor(), error);
                }
            }
            return true;
        } catch (SQLException | RuntimeException e) {
            return false; // the whole batch is tried again; what already committed is applied again harmlessly
        }
    }

    private void refuse(int partition, E e, long cursor, SQLException error) throws SQLException {
        log.warn("{}: event of {} refused by the database: {}", applier.source(), e.did(), error.getMessage());
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            if (e.did() != null) {
                sync.markDesynchronized(c, List.of(e.did()), "an event was refused by the database: " + error.getMessage());
            }
            cursors.save(c, applier.source(), partition, cursor);
            c.commit();
        }
        stats.committed(new long[] {e.timeMicros()}, 1, 0, 1);
    }

    private void committed(List<E> events, int bufferedCount, LiveApplier.Outcome outcome) {
        long[] times = new long[events.size()];
        for (int i = 0; i < times.length; i++) times[i] = events.get(i).timeMicros();
        stats.committed(times, times.length, bufferedCount, outcome.refused());
        if (!outcome.identityChanged().isEmpty() || !outcome.needsBackfill().isEmpty()) {
            try {
                afterCommit.accept(outcome);
            } catch (RuntimeException e) {
                log.warn("{}: after-commit action failed: {}", applier.source(), e.toString());
            }
        }
    }

    /** A statement rejected for its data (SQLSTATE class 22 or 23), as opposed to a lost or busy database. */
    static boolean isDataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    /** Stops taking frames; batches already handed to the appliers are finished first. */
    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
