package dev.happyview.live;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The connection side of a live source (Jetstream, the relay firehose): it reads the stream and hands frames to the
 * {@link LivePipeline}; {@code /admin/live} shows its status.
 */
public interface LiveSource extends AutoCloseable {
    enum State { IDLE, CONNECTING, CONNECTED, DISCONNECTED, STOPPED }

    /** What {@code /admin/live} shows of the connection. */
    record Status(State state, String url, List<String> collections, Instant connectedSince, long reconnects,
            String lastError) {}

    /** The name its cursors, buffered events and metrics are kept under. */
    String name();

    Status status();

    /** The time a cursor stands for, or null when the source's cursor is not a time (a sequence number). */
    Instant cursorTime(long cursor);

    /** Record lexicons were uploaded or deleted. */
    void collectionsChanged();

    /** What {@code /admin/live} shows beyond the common fields (none by default). */
    default Map<String, Object> details() throws Exception {
        return Map.of();
    }

    @Override
    void close();
}
