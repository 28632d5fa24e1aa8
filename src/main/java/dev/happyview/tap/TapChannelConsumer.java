package dev.happyview.tap;

import dev.happyview.store.Database;
import dev.happyview.store.RecordRow;
import dev.happyview.store.RecordWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Indexes what Tap's {@code /channel} delivers. Frames are applied in batches (up to 1000 or 20 ms), split by DID
 * over two appliers that each write in one transaction through the shared {@link RecordWriter}, ordered by repo
 * revision (of one record in a batch the newest change stands; a redelivered older one cannot undo it); only after
 * the commit is each event
 * acknowledged, so a crash can cause redelivery but never loss. Frames that cannot be used go to
 * {@code tap_dead_letters} in the same transaction and are acknowledged too, so one bad frame cannot block the stream.
 */
public final class TapChannelConsumer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TapChannelConsumer.class);
    private static final int BATCH = 1000;
    private static final long BATCH_WAIT_MS = 20;
    /** Transactions applied at once; two keep both cores and Postgres busy without reordering any DID's events. */
    private static final int APPLIERS = 2;

    public enum State { CONNECTING, CONNECTED, DISCONNECTED, UNAUTHORIZED, STOPPED }

    private final TapClient tap;
    private final Database db;
    private final RecordWriter writer;
    private final Predicate<String> isRecordCollection;
    private final HttpClient http = HttpClient.newHttpClient();
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>(10_000);
    private final BlockingQueue<Long> acks = new LinkedBlockingQueue<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();
    private volatile State state = State.DISCONNECTED;
    private volatile String lastError;
    private volatile Instant lastEventAt;
    private volatile double eventsPerSecond;
    private volatile WebSocket socket;
    private volatile java.util.concurrent.CompletableFuture<Void> socketClosed;
    private volatile boolean running;
    private Thread connector;
    private Thread processor;
    private final List<BlockingQueue<Work>> applierQueues = new ArrayList<>();
    private final List<Thread> appliers = new ArrayList<>();
    private Thread acker;

    public TapChannelConsumer(TapClient tap, Database db, RecordWriter writer, Predicate<String> isRecordCollection) {
        this.tap = tap;
        this.db = db;
        this.writer = writer;
        this.isRecordCollection = isRecordCollection;
    }

    public void start() {
        running = true;
        connector = Thread.ofPlatform().daemon().name("tap-connector").start(this::connectLoop);
        for (int i = 0; i < APPLIERS; i++) {
            var queue = new ArrayBlockingQueue<Work>(2);
            applierQueues.add(queue);
            appliers.add(Thread.ofPlatform().daemon().name("tap-applier-" + i).start(() -> applyLoop(queue)));
        }
        processor = Thread.ofPlatform().daemon().name("tap-processor").start(this::processLoop);
        acker = Thread.ofPlatform().daemon().name("tap-acker").start(this::ackLoop);
    }

    /** What the stats endpoint shows. */
    public record Status(State state, String lastError, long eventsApplied, double eventsPerSecond, Instant lastEventAt,
            long deadLetters) {}

    public Status status() {
        return new Status(state, lastError, applied.get(), Math.round(eventsPerSecond * 10) / 10.0, lastEventAt,
                deadLetters.get());
    }

    private void connectLoop() {
        long backoff = 1000;
        while (running) {
            state = State.CONNECTING;
            var closed = new java.util.concurrent.CompletableFuture<Void>();
            socketClosed = closed;
            try {
                var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
                if (tap.authorization() != null) builder.header("Authorization", tap.authorization());
                socket = builder.buildAsync(channelUri(), new Listener(closed)).get(15, TimeUnit.SECONDS);
                state = State.CONNECTED;
                lastError = null;
                backoff = 1000;
                closed.get();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof WebSocketHandshakeException h && h.getResponse().statusCode() == 401) {
                    state = State.UNAUTHORIZED;
                    lastError = "Tap rejected the admin password (TAP_ADMIN_PASSWORD)";
                } else {
                    lastError = "channel: " + cause;
                }
            }
            socket = null;
            if (!running) return;
            if (state != State.UNAUTHORIZED) state = State.DISCONNECTED;
            try {
                Thread.sleep(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(30_000, backoff * 2);
        }
    }

    private URI channelUri() {
        String base = tap.baseUrl();
        if (base.startsWith("https://")) return URI.create("wss://" + base.substring(8) + "/channel");
        if (base.startsWith("http://")) return URI.create("ws://" + base.substring(7) + "/channel");
        return URI.create("ws://" + base + "/channel");
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private final java.util.concurrent.CompletableFuture<Void> closed;

        Listener(java.util.concurrent.CompletableFuture<Void> closed) {
            this.closed = closed;
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                try {
                    frames.put(frame); // blocks when the writer falls behind: backpressure to Tap
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lastError = "channel: " + error;
            closed.complete(null);
        }
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
                apply(work.events(), work.frames());
            } catch (Exception e) {
                // Not committed: not acknowledged either, so Tap delivers these events again.
                lastError = "applying events: " + e;
                log.warn("tap batch of {} events not applied: {}", work.events().size(), e.toString());
            }
        }
    }

    private void apply(List<TapEvent> events, List<String> batch) throws SQLException {
        Map<String, TapEvent.RecordEvent> lastChange = new LinkedHashMap<>(); // uri → its newest event
        var deads = new ArrayList<Object[]>();
        for (int i = 0; i < events.size(); i++) {
            switch (events.get(i)) {
                case TapEvent.RecordEvent r when isRecordCollection.test(r.collection()) ->
                    // Of one record the newest revision stands (a redelivered older event may come after a newer one).
                    lastChange.merge(r.uri(), r, (kept, next) -> next.rev().compareTo(kept.rev()) >= 0 ? next : kept);
                case TapEvent.Unparseable u -> deads.add(new Object[] {u.id() < 0 ? null : u.id(), u.reason(), batch.get(i)});
                default -> { } // identity events and collections without a record lexicon: nothing to store
            }
        }
        var upserts = new ArrayList<RecordRow>();
        var deletes = new ArrayList<RecordWriter.Deletion>();
        lastChange.forEach((uri, r) -> {
            if (r.recordJson() == null) deletes.add(new RecordWriter.Deletion(uri, r.did(), r.rev()));
            else upserts.add(new RecordRow(uri, r.did(), r.collection(), r.rkey(), r.cid(), r.recordJson(), r.rev()));
        });
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                // A URI is in only one of the two lists; both are ordered by revision against what is stored.
                if (!deletes.isEmpty()) writer.delete(c, deletes);
                if (!upserts.isEmpty()) writer.upsert(c, upserts);
                if (!deads.isEmpty()) insertDeadLetters(c, deads);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        deadLetters.addAndGet(deads.size());
        applied.addAndGet(events.size());
        lastEventAt = Instant.now();
        acknowledge(events);
    }

    private static void insertDeadLetters(Connection c, List<Object[]> deads) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO tap_dead_letters (event_id, reason, frame) VALUES (?, ?, ?)")) {
            for (Object[] d : deads) {
                st.setObject(1, d[0]);
                st.setString(2, (String) d[1]);
                String frame = (String) d[2];
                st.setString(3, (frame.length() > 65_536 ? frame.substring(0, 65_536) : frame).replace("\u0000", ""));
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** Queues the acknowledgements of committed events; the ack thread sends them while the next batch is written. */
    private void acknowledge(List<TapEvent> events) {
        for (TapEvent e : events) {
            if (e.id() >= 0) acks.add(e.id());
        }
    }

    /** Sends acks one at a time (the JDK socket allows one outstanding send); a lost ack only means a redelivery. */
    private void ackLoop() {
        while (running || !acks.isEmpty()) {
            try {
                Long id = acks.poll(100, TimeUnit.MILLISECONDS);
                if (id == null) continue;
                WebSocket ws = socket;
                if (ws == null) continue;
                ws.sendText("{\"type\":\"ack\",\"id\":" + id + "}", true).get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                lastError = "acknowledging: " + e;
            }
        }
    }

    /** Drops the connection abruptly, as a crash would (tests); the consumer reconnects by itself. */
    public void dropConnection() {
        WebSocket ws = socket;
        if (ws != null) ws.abort();
        var closed = socketClosed;
        if (closed != null) closed.complete(null); // abort() tells the listener nothing
    }

    @Override
    public void close() {
        running = false;
        state = State.STOPPED;
        dropConnection();
        if (connector != null) connector.interrupt();
        if (acker != null) acker.interrupt();
        try {
            if (processor != null) processor.join(5000);
            for (Thread t : appliers) t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        http.shutdownNow();
    }
}
