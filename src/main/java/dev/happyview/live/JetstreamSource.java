package dev.happyview.live;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetstream client ({@code /subscribe}, JSON text frames). It subscribes to the record collections
 * ({@code wantedCollections}; subscribing again when they change), resumes a few
 * seconds before the saved cursor (writes are idempotent), reconnects with capped, jittered backoff, and treats a
 * cursor it cannot resume from — older than the source's replay window, or refused by it — as a gap: recorded,
 * repaired by a backfill of the record collections, and the stream restarted from now. A connection silent for longer
 * than the idle limit (Jetstream pings every 30 s) is dropped and opened again.
 */
public final class JetstreamSource implements LiveSource {
    private static final Logger log = LoggerFactory.getLogger(JetstreamSource.class);

    /**
     * @param window    how far back the source replays (Jetstream keeps 24 h); an older cursor is a gap
     * @param rewind    how far before the saved cursor to resume
     * @param idleLimit how long a connection may stay silent
     */
    public record Settings(Duration window, Duration rewind, Duration maxBackoff, Duration idleLimit) {
        public static Settings defaults() {
            return new Settings(Duration.ofHours(24), Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(120));
        }
    }

    private final String baseUrl;
    private final Supplier<List<String>> collections;
    private final LivePipeline<String, JetstreamEvent> pipeline;
    private final CursorStore cursors;
    private final GapLog gaps;
    private final GapRepair repair;
    private final Settings settings;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Object wake = new Object();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile State state = State.DISCONNECTED;
    private volatile String lastError;
    private volatile Instant connectedSince;
    private volatile List<String> subscribed = List.of();
    private volatile WebSocket socket;
    private volatile CompletableFuture<Void> socketClosed;
    private volatile long lastFrameNanos;
    private volatile boolean running;
    private volatile boolean reconnectAtOnce;
    private volatile boolean tailNext;
    private volatile long firstConnectMicros = -1;
    private Thread connector;

    public JetstreamSource(String baseUrl, Supplier<List<String>> collections, LivePipeline<String, JetstreamEvent> pipeline,
            CursorStore cursors, GapLog gaps, GapRepair repair, Settings settings) {
        this.baseUrl = baseUrl;
        this.collections = collections;
        this.pipeline = pipeline;
        this.cursors = cursors;
        this.gaps = gaps;
        this.repair = repair;
        this.settings = settings;
    }

    public void start() {
        running = true;
        connector = Thread.ofPlatform().daemon().name("jetstream-connector").start(this::connectLoop);
    }

    @Override
    public String name() {
        return JetstreamApplier.SOURCE;
    }

    @Override
    public Status status() {
        return new Status(state, baseUrl, subscribed, connectedSince, reconnects.get(), lastError);
    }

    /** Jetstream's cursor is the event time, in microseconds since the epoch. */
    @Override
    public Instant cursorTime(long cursor) {
        return Instant.ofEpochSecond(cursor / 1_000_000, (cursor % 1_000_000) * 1000);
    }

    private void connectLoop() {
        long backoff = 1000;
        while (running) {
            List<String> wanted = collections.get();
            if (wanted.isEmpty()) {
                state = State.IDLE; // subscribing to nothing would mean every collection of the network
                await(1000);
                continue;
            }
            state = State.CONNECTING;
            Long cursor = null;
            var closed = new CompletableFuture<Void>();
            socketClosed = closed;
            try {
                cursor = startCursor();
                lastFrameNanos = System.nanoTime();
                socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                        .buildAsync(uri(wanted, cursor), new Listener(closed)).get(15, TimeUnit.SECONDS);
                subscribed = wanted;
                connectedSince = Instant.now();
                if (firstConnectMicros < 0) firstConnectMicros = nowMicros();
                state = State.CONNECTED;
                lastError = null;
                backoff = 1000;
                log.info("jetstream connected to {} ({} collections, cursor {})", baseUrl, wanted.size(), cursor);
                watch(closed);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof WebSocketHandshakeException h && h.getResponse().statusCode() == 400 && cursor != null) {
                    // The source refuses the cursor (CursorTooOld): what lies before it cannot be replayed.
                    gap(cursor, "the source refused the cursor (HTTP 400): older than what it keeps");
                    continue;
                }
                lastError = cause instanceof TimeoutException ? "connect timed out" : cause.toString();
            }
            socket = null;
            connectedSince = null;
            if (!running) return;
            state = State.DISCONNECTED;
            reconnects.incrementAndGet();
            if (reconnectAtOnce) {
                reconnectAtOnce = false;
                continue;
            }
            await(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
            backoff = Math.min(settings.maxBackoff().toMillis(), backoff * 2);
        }
    }

    /** Waits for the connection to end; drops it when it stays silent past the idle limit. */
    private void watch(CompletableFuture<Void> closed) throws InterruptedException {
        while (running) {
            try {
                closed.get(1, TimeUnit.SECONDS);
                return;
            } catch (TimeoutException e) {
                if (System.nanoTime() - lastFrameNanos > settings.idleLimit().toNanos()) {
                    lastError = "no message for " + settings.idleLimit().toSeconds() + " s";
                    dropConnection();
                    return;
                }
            } catch (ExecutionException e) {
                return;
            }
        }
    }

    /** Where to start: a few seconds before the saved cursor, or the live tail; a cursor too old is a gap. */
    private Long startCursor() throws Exception {
        if (tailNext) { // just after a gap: the backfill covers what came before now
            tailNext = false;
            return null;
        }
        OptionalLong saved = cursors.resumePoint(JetstreamApplier.SOURCE);
        if (saved.isEmpty()) {
            // Nothing committed yet: the first connection, or one whose events are still in the pipeline; the
            // stream is then replayed from when this process first connected.
            return firstConnectMicros < 0 ? null : Math.max(0, firstConnectMicros - settings.rewind().toNanos() / 1000);
        }
        long now = nowMicros();
        if (now - saved.getAsLong() > settings.window().toNanos() / 1000) {
            gap(saved.getAsLong(), "the cursor is older than the source's replay window (" + settings.window() + ")");
            return null;
        }
        return Math.max(0, saved.getAsLong() - settings.rewind().toNanos() / 1000);
    }

    private void gap(long from, String reason) {
        UUID job = null;
        try {
            job = repair.backfill(null);
        } catch (Exception e) {
            log.warn("jetstream: could not start the backfill that repairs a gap: {}", e.toString());
        }
        tailNext = true;
        try {
            gaps.record(JetstreamApplier.SOURCE, from, reason, job, nowMicros());
            log.warn("jetstream: gap from cursor {}: {}; backfill {}", from, reason, job);
        } catch (Exception e) {
            lastError = "recording a gap: " + e;
        }
    }

    private static long nowMicros() {
        return System.currentTimeMillis() * 1000;
    }

    private URI uri(List<String> wanted, Long cursor) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        if (base.startsWith("https://")) base = "wss://" + base.substring(8);
        else if (base.startsWith("http://")) base = "ws://" + base.substring(7);
        if (!base.endsWith("/subscribe")) base += "/subscribe";
        var q = new StringBuilder(base).append("?compress=false");
        for (String c : wanted) q.append("&wantedCollections=").append(URLEncoder.encode(c, StandardCharsets.UTF_8));
        if (cursor != null) q.append("&cursor=").append(cursor);
        return URI.create(q.toString());
    }

    /**
     * Called when record lexicons are uploaded or deleted: the source subscribes again at once, from a few seconds
     * before its cursor. Unlike an {@code options_update} (which Jetstream does not acknowledge, so events right after
     * it may still be filtered by the old list), the replay covers every event of a new collection since the cursor.
     */
    @Override
    public void collectionsChanged() {
        if (collections.get().equals(subscribed) && socket != null) return;
        reconnectAtOnce = true;
        dropConnection();
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private void await(long millis) {
        synchronized (wake) {
            try {
                wake.wait(Math.max(1, millis));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private final CompletableFuture<Void> closed;

        Listener(CompletableFuture<Void> closed) {
            this.closed = closed;
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            lastFrameNanos = System.nanoTime();
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                try {
                    pipeline.offer(frame); // blocks while the pipeline is full: back pressure on the socket
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            ws.request(1); // compressed frames are not asked for
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            lastFrameNanos = System.nanoTime();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            lastError = "closed by the source (" + code + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")";
            closed.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lastError = "connection: " + error;
            closed.complete(null);
        }
    }

    /** Drops the connection abruptly (tests; the idle watchdog); the source reconnects by itself. */
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
        synchronized (wake) {
            wake.notifyAll();
        }
        if (connector != null) {
            connector.interrupt();
            try {
                connector.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        http.shutdownNow();
    }
}
