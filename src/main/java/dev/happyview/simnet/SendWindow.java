package dev.happyview.simnet;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * The frames queued to one WebSocket connection by its sender thread: up to {@code size} at once (Jetty writes queued
 * frames together, in order); beyond that the oldest is waited for, so a client that reads slowly still holds its
 * sender back, and a write that fails or hangs for 30 s ends the sender with an exception. Waiting for every frame's
 * write before the next cost a write and a wake-up per event. Not thread-safe: one sender thread per connection.
 */
final class SendWindow {
    private final int size;
    private final ArrayDeque<Callback.Completable> queued = new ArrayDeque<>();

    SendWindow(int size) {
        this.size = size;
    }

    /** Waits until every queued frame is written: before a fault cuts the connection, what was sent is on the wire. */
    void drain() throws Exception {
        while (!queued.isEmpty()) queued.poll().get(30, TimeUnit.SECONDS);
    }

    /** Queues one frame: {@code write} hands it to the session with the callback it is given. */
    void send(Consumer<Callback> write) throws Exception {
        var written = new Callback.Completable();
        write.accept(written);
        queued.add(written);
        while (queued.size() > size || (!queued.isEmpty() && queued.peek().isDone())) {
            queued.poll().get(30, TimeUnit.SECONDS);
        }
    }
}
