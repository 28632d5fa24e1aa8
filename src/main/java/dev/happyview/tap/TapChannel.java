package dev.happyview.tap;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The WebSocket to Tap's {@code /channel}: connects and reconnects (jittered backoff from 1 to 30 s), puts each
 * text frame into the caller's queue (blocking when it is full, which holds Tap back), and sends acknowledgements.
 *
 * <p>Tap sends an event again when its ack is late (its retry timeout), whether or not the first copy arrived. A copy
 * of an event that is still pending here (queued or being written, not yet acknowledged) is dropped on arrival: the
 * pending one will be committed and acknowledged. Without this, a consumer that falls further behind than the retry
 * timeout fills its queue with copies, falls further behind, and Tap sends everything again and again.
 */
final class TapChannel implements AutoCloseable {
    private final TapClient tap;
    private final BlockingQueue<String> frames;
    private final Consumer<String> errors;
    private final HttpClient http = HttpClient.newHttpClient();
    private final BlockingQueue<Long> acks = new LinkedBlockingQueue<>();
    /** Ids received and not yet acknowledged or released. */
    private final Set<Long> pending = ConcurrentHashMap.newKeySet();
    private final AtomicLong copiesDropped = new AtomicLong();
    private volatile ChannelState state = ChannelState.DISCONNECTED;
    private volatile WebSocket socket;
    private volatile CompletableFuture<Void> socketClosed;
    private volatile boolean running;
    private Thread connector;
    private Thread acker;

    /** @param errors told each problem, and {@code null} once connected again */
    TapChannel(TapClient tap, BlockingQueue<String> frames, Consumer<String> errors) {
        this.tap = tap;
        this.frames = frames;
        this.errors = errors;
    }

    void start() {
        running = true;
        connector = Thread.ofPlatform().daemon().name("tap-connector").start(this::connectLoop);
        acker = Thread.ofPlatform().daemon().name("tap-acker").start(this::ackLoop);
    }

    ChannelState state() {
        return state;
    }

    /** Queues the acknowledgement of a committed event; the ack thread sends it while the next batch is written. */
    void acknowledge(long eventId) {
        pending.remove(eventId);
        acks.add(eventId);
    }

    /** Forgets an event that was not committed, so that Tap's next copy of it is taken. */
    void release(long eventId) {
        pending.remove(eventId);
    }

    /** Copies of pending events dropped on arrival. */
    long copiesDropped() {
        return copiesDropped.get();
    }

    private void connectLoop() {
        long backoff = 1000;
        while (running) {
            state = ChannelState.CONNECTING;
            var closed = new CompletableFuture<Void>();
            socketClosed = closed;
            try {
                var builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
                if (tap.authorization() != null) builder.header("Authorization", tap.authorization());
                socket = builder.buildAsync(channelUri(), new Listener(closed)).get(15, TimeUnit.SECONDS);
                state = ChannelState.CONNECTED;
                errors.accept(null);
                backoff = 1000;
                closed.get();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                if (cause instanceof WebSocketHandshakeException h && h.getResponse().statusCode() == 401) {
                    state = ChannelState.UNAUTHORIZED;
                    errors.accept("Tap rejected the admin password (TAP_ADMIN_PASSWORD)");
                } else {
                    errors.accept("channel: " + cause);
                }
            }
            socket = null;
            if (!running) return;
            if (state != ChannelState.UNAUTHORIZED) state = ChannelState.DISCONNECTED;
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
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                long id = TapEvent.idOf(frame);
                if (id >= 0 && !pending.add(id)) {
                    copiesDropped.incrementAndGet();
                } else {
                    try {
                        frames.put(frame); // blocks when the writer falls behind: backpressure to Tap
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
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
            errors.accept("channel: " + error);
            closed.complete(null);
        }
    }

    /**
     * Sends acks one at a time: the JDK socket allows one outstanding send, and any other send fails at once while it
     * lasts. So a slow send is waited for, however long, as long as its socket is the current one; giving up on it
     * would make every following ack fail and Tap send all those events again. A lost ack only means a redelivery.
     */
    private void ackLoop() {
        while (running || !acks.isEmpty()) {
            try {
                Long id = acks.poll(100, TimeUnit.MILLISECONDS);
                if (id == null) continue;
                WebSocket ws = socket;
                if (ws == null) continue;
                var sent = ws.sendText("{\"type\":\"ack\",\"id\":" + id + "}", true);
                while (!sent.isDone() && socket == ws && running) {
                    try {
                        sent.get(1, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        // still sending: Tap is busy writing to us; the ack goes once it reads again
                    }
                }
                if (sent.isDone()) sent.get();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                errors.accept("acknowledging: " + e);
            }
        }
    }

    /** Drops the connection abruptly, as a crash would (tests); the connect loop reconnects by itself. */
    void dropConnection() {
        WebSocket ws = socket;
        if (ws != null) ws.abort();
        var closed = socketClosed;
        if (closed != null) closed.complete(null); // abort() tells the listener nothing
    }

    @Override
    public void close() {
        running = false;
        state = ChannelState.STOPPED;
        dropConnection();
        if (connector != null) connector.interrupt();
        if (acker != null) acker.interrupt();
        http.shutdownNow();
    }
}
