package dev.happyview.live;

import dev.happyview.live.LiveSource.State;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one WebSocket to a live source open: connects, reconnects with capped and jittered backoff, and drops a
 * connection that has gone quiet. Quiet means neither a frame nor the answer to a ping (sent every third of the idle
 * limit) for the whole limit: a peer that vanished without closing is noticed even when the stream itself is rare.
 * Time the source's reader spends blocked handing a frame on (back pressure from the pipeline) is not quiet.
 *
 * <p>Only the current connection's frames reach the source: a connection dropped while it was being opened is
 * aborted as soon as it opens, and frames an aborted connection still delivers are ignored, so two connections never
 * feed the pipeline at once.
 */
public final class StreamConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamConnection.class);

    /** @param maxBackoff the longest wait between attempts; @param idleLimit how long a connection may stay quiet */
    public record Settings(Duration maxBackoff, Duration idleLimit) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(30), Duration.ofSeconds(30));
        }
    }

    /** What a source does with its connection. */
    public interface Stream {
        /** Where to connect now, or empty to stay idle (there is nothing to subscribe to). */
        Optional<URI> target() throws Exception;

        /** A reader for a new connection (per-connection state such as a partial frame lives in it). */
        Reader reader();

        /** The source refused the handshake with this status; true when that was dealt with and a new attempt may follow at once. */
        default boolean refused(int status) {
            return false;
        }
    }

    /** One connection's frames, in order; a method may block to hold the source back. */
    public interface Reader {
        default void text(CharSequence data, boolean last) throws InterruptedException {}

        default void binary(ByteBuffer data, boolean last) throws InterruptedException {}
    }

    private final String name;
    private final Stream stream;
    private final Settings settings;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Object wake = new Object();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile State state = State.DISCONNECTED;
    private volatile String lastError;
    private volatile Instant connectedSince;
    private volatile Connection current;
    private volatile boolean running;
    private volatile boolean reconnectAtOnce;
    private Thread connector;

    public StreamConnection(String name, Stream stream, Settings settings) {
        this.name = name;
        this.stream = stream;
        this.settings = settings;
    }

    public void start() {
        running = true;
        connector = Thread.ofPlatform().daemon().name(name + "-connector").start(this::connectLoop);
    }

    public State state() {
        return state;
    }

    public Instant connectedSince() {
        return connectedSince;
    }

    public long reconnects() {
        return reconnects.get();
    }

    public String lastError() {
        return lastError;
    }

    /** Shown until the next successful connection. */
    public void error(String message) {
        lastError = message;
    }

    public boolean isOpen() {
        return current != null && state == State.CONNECTED;
    }

    /** Drops the connection, if any, and connects again at once to what {@link Stream#target()} names then. */
    public void reconnectNow() {
        reconnectAtOnce = true;
        drop();
        wake();
    }

    /** Ends a wait between attempts, or while idle. */
    public void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /** Drops the connection abruptly (the idle watchdog, an error frame, tests); it is opened again after a backoff. */
    public void drop() {
        Connection c = current;
        if (c != null) c.end();
    }

    private void connectLoop() {
        long backoff = 1000;
        while (running) {
            // The connection exists before its target is chosen: a drop from now on reaches it.
            var c = new Connection(stream.reader());
            current = c;
            try {
                Optional<URI> target = stream.target();
                if (target.isEmpty()) {
                    state = State.IDLE;
                    current = null;
                    await(1000);
                    continue;
                }
                state = State.CONNECTING;
                c.open(target.get());
                connectedSince = Instant.now();
                state = State.CONNECTED;
                lastError = null;
                backoff = 1000;
                log.info("{} connected to {}", name, target.get());
                c.watch();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof WebSocketHandshakeException h && stream.refused(h.getResponse().statusCode())) {
                    continue;
                }
                lastError = cause instanceof TimeoutException ? "connect timed out" : cause.toString();
            } finally {
                c.end();
                current = null;
                connectedSince = null;
            }
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

    @FunctionalInterface
    private interface Handing {
        void run() throws InterruptedException;
    }

    /** One connection: its socket, whether it has ended, and when it was last heard from. */
    private final class Connection implements WebSocket.Listener {
        private final Reader reader;
        private final CompletableFuture<Void> ended = new CompletableFuture<>();
        private volatile WebSocket socket;
        private volatile long heardNanos = System.nanoTime();
        private volatile boolean handing;

        Connection(Reader reader) {
            this.reader = reader;
        }

        void open(URI uri) throws Exception {
            WebSocket ws = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(uri, this).get(15, TimeUnit.SECONDS);
            socket = ws;
            if (ended.isDone()) ws.abort(); // dropped while it was being opened
        }

        /** Waits for the connection to end; pings it, and ends it when it stays quiet past the idle limit. */
        void watch() throws InterruptedException {
            long pingEvery = settings.idleLimit().toNanos() / 3;
            long lastPing = System.nanoTime();
            while (running) {
                try {
                    ended.get(Math.min(1000, Math.max(10, pingEvery / 1_000_000)), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    long now = System.nanoTime();
                    if (handing) {
                        heardNanos = now;
                    } else if (now - heardNanos > settings.idleLimit().toNanos()) {
                        lastError = "nothing heard for " + settings.idleLimit().toMillis() + " ms";
                        return;
                    }
                    if (now - lastPing >= pingEvery) {
                        lastPing = now;
                        ping();
                    }
                } catch (ExecutionException e) {
                    return;
                }
            }
        }

        private void ping() {
            WebSocket ws = socket;
            if (ws == null) return;
            try {
                ws.sendPing(ByteBuffer.allocate(0)).exceptionally(error -> {
                    lastError = "ping: " + error;
                    end();
                    return null;
                });
            } catch (IllegalStateException e) {
                // a ping still being sent: the quiet check decides
            }
        }

        void end() {
            ended.complete(null);
            WebSocket ws = socket;
            if (ws != null) ws.abort();
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            return hand(ws, () -> reader.text(data, last));
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            return hand(ws, () -> reader.binary(data, last));
        }

        /** Gives a frame to the reader, which may block; asks for the next one after. */
        private CompletionStage<?> hand(WebSocket ws, Handing handing) {
            if (ended.isDone()) return null; // an aborted connection's last frames
            this.handing = true;
            try {
                handing.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } finally {
                heardNanos = System.nanoTime();
                this.handing = false;
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket ws, ByteBuffer message) {
            heardNanos = System.nanoTime();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            heardNanos = System.nanoTime();
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
            if (!ended.isDone() && lastError == null) {
                lastError = "closed by the source (" + code + (reason == null || reason.isEmpty() ? "" : ": " + reason) + ")";
            }
            ended.complete(null);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            if (!ended.isDone()) lastError = "connection: " + error;
            ended.complete(null);
        }
    }

    @Override
    public void close() {
        running = false;
        state = State.STOPPED;
        drop();
        wake();
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
