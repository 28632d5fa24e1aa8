package dev.happyview.live;

import dev.happyview.protocol.jetstream.JetstreamZstd;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Jetstream client ({@code /subscribe}, JSON text frames, or zstd frames with {@code compress=true}). It
 * subscribes to the record collections ({@code wantedCollections}; subscribing again when they change), resumes a few
 * seconds before the saved cursor (writes are idempotent), and treats a cursor it cannot resume from — older than the
 * source's replay window, or refused by it — as a gap: recorded, repaired by a backfill of the record collections,
 * and the stream restarted from now. The connection itself (reconnects, pings, the idle limit) is a
 * {@link StreamConnection}'s.
 */
public final class JetstreamSource implements LiveSource, StreamConnection.Stream {
    private static final Logger log = LoggerFactory.getLogger(JetstreamSource.class);

    /** The largest event accepted, compressed or not; Jetstream's events carry one record (at most 1 MiB). */
    static final int MAX_EVENT_BYTES = 4 << 20;

    /**
     * @param window     how far back the source replays (Jetstream keeps 24 h); an older cursor is a gap
     * @param rewind     how far before the saved cursor to resume
     * @param compress   ask for zstd frames with Jetstream's dictionary ({@link JetstreamZstd})
     * @param connection reconnect backoff and idle limit
     */
    public record Settings(Duration window, Duration rewind, boolean compress, StreamConnection.Settings connection) {
        public static Settings defaults() {
            return new Settings(Duration.ofHours(24), Duration.ofSeconds(3), false, StreamConnection.Settings.defaults());
        }

        public Settings withCompression(boolean on) {
            return new Settings(window, rewind, on, connection);
        }
    }

    private final String baseUrl;
    private final Supplier<List<String>> collections;
    private final LivePipeline<String, JetstreamEvent> pipeline;
    private final CursorStore cursors;
    private final GapLog gaps;
    private final GapRepair repair;
    private final Settings settings;
    private final StreamConnection connection;
    private volatile List<String> subscribed = List.of();
    private volatile Long requestedCursor;
    private volatile boolean tailNext;
    private volatile long firstConnectMicros = -1;

    public JetstreamSource(String baseUrl, Supplier<List<String>> collections, LivePipeline<String, JetstreamEvent> pipeline,
            CursorStore cursors, GapLog gaps, GapRepair repair, Settings settings) {
        this.baseUrl = baseUrl;
        this.collections = collections;
        this.pipeline = pipeline;
        this.cursors = cursors;
        this.gaps = gaps;
        this.repair = repair;
        this.settings = settings;
        this.connection = new StreamConnection("jetstream", this, settings.connection());
    }

    public void start() {
        connection.start();
    }

    @Override
    public String name() {
        return JetstreamApplier.SOURCE;
    }

    @Override
    public Status status() {
        return new Status(connection.state(), baseUrl, subscribed, connection.connectedSince(), connection.reconnects(),
                connection.lastError());
    }

    /** Jetstream's cursor is the event time, in microseconds since the epoch. */
    @Override
    public Instant cursorTime(long cursor) {
        return Instant.ofEpochSecond(cursor / 1_000_000, (cursor % 1_000_000) * 1000);
    }

    /** The subscription: the record collections, from a few seconds before the cursor; nothing when there are none. */
    @Override
    public Optional<URI> target() throws Exception {
        List<String> wanted = collections.get();
        if (wanted.isEmpty()) return Optional.empty(); // subscribing to nothing would mean every collection of the network
        Long cursor = startCursor();
        requestedCursor = cursor;
        subscribed = wanted;
        if (firstConnectMicros < 0) firstConnectMicros = nowMicros();
        return Optional.of(uri(wanted, cursor));
    }

    /** HTTP 400 to a cursor: the source refuses it (CursorTooOld), what lies before it cannot be replayed. */
    @Override
    public boolean refused(int status) {
        Long cursor = requestedCursor;
        if (status != 400 || cursor == null) return false;
        gap(cursor, "the source refused the cursor (HTTP 400): older than what it keeps");
        return true;
    }

    /**
     * Text frames are events; binary ones are compressed events. One that cannot be read ends the connection with the
     * reason shown: the stream resumes from the saved cursor, so the event is read again rather than skipped.
     */
    @Override
    public StreamConnection.Reader reader() {
        var partialText = new StringBuilder();
        var partialBinary = new ByteArrayOutputStream();
        return new StreamConnection.Reader() {
            @Override
            public void text(CharSequence data, boolean last) throws InterruptedException {
                partialText.append(data);
                if (!last) return;
                String frame = partialText.toString();
                partialText.setLength(0);
                pipeline.offer(frame); // blocks while the pipeline is full: back pressure on the socket
            }

            @Override
            public void binary(ByteBuffer data, boolean last) throws InterruptedException {
                if (partialBinary.size() + data.remaining() > MAX_EVENT_BYTES) {
                    unreadable("a compressed frame of more than " + MAX_EVENT_BYTES + " bytes");
                    return;
                }
                byte[] part = new byte[data.remaining()];
                data.get(part);
                partialBinary.writeBytes(part);
                if (!last) return;
                byte[] frame = partialBinary.toByteArray();
                partialBinary.reset();
                String event;
                try {
                    event = JetstreamZstd.decompress(frame, MAX_EVENT_BYTES);
                } catch (IllegalArgumentException e) {
                    unreadable(e.getMessage());
                    return;
                }
                pipeline.offer(event);
            }
        };
    }

    private void unreadable(String reason) {
        log.warn("jetstream: unreadable frame ({}); connecting again from the saved cursor", reason);
        connection.error("unreadable frame: " + reason);
        connection.drop();
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
            connection.error("recording a gap: " + e);
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
        var q = new StringBuilder(base).append("?compress=").append(settings.compress());
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
        if (collections.get().equals(subscribed) && connection.isOpen()) return;
        connection.reconnectNow();
    }

    @Override
    public void close() {
        connection.close();
    }
}
