package dev.happyview.firehose;

import dev.happyview.live.CursorStore;
import dev.happyview.live.GapLog;
import dev.happyview.live.GapRepair;
import dev.happyview.live.LivePipeline;
import dev.happyview.live.LiveSource;
import dev.happyview.live.StreamConnection;
import dev.happyview.protocol.firehose.FirehoseEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.ErrorFrame;
import dev.happyview.protocol.firehose.FirehoseEvent.InfoEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.UnknownFrame;
import dev.happyview.protocol.firehose.FrameDecoder;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay firehose client ({@code com.atproto.sync.subscribeRepos}, binary DAG-CBOR frames). It resumes after the
 * saved sequence number (exactly: the stream is ordered and the cursor covers only committed events) and bounds every
 * frame (the connection itself, reconnects, pings and the idle limit, is a {@link StreamConnection}'s): one larger than
 * the decoder accepts is read no further than its start, which names its position and repo. Frames are decoded here,
 * on the socket's thread; verification happens in the pipeline's appliers. {@code #info OutdatedCursor} (the relay
 * no longer keeps events since the cursor) and the error {@code FutureCursor} (the cursor is ahead of the relay: it
 * was reset, or is another one) are gaps: recorded, repaired by a backfill of the record collections, and for the
 * latter the stream restarts from the relay's head. With no record lexicon there is nothing to index and no
 * connection.
 */
final class FirehoseSource implements LiveSource, StreamConnection.Stream {
    private static final Logger log = LoggerFactory.getLogger(FirehoseSource.class);
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";
    /** How much of an oversized frame is kept to read its position and repo. */
    private static final int OVERSIZED_PREFIX = 64 * 1024;

    private final String url;
    private final Supplier<List<String>> collections;
    private final LivePipeline<FirehoseFrame, FirehoseFrame> pipeline;
    private final CursorStore cursors;
    private final GapLog gaps;
    private final GapRepair repair;
    private final FirehoseStats stats;
    private final Details details;
    private final int maxFrameBytes = FrameDecoder.Limits.DEFAULT.maxFrameBytes();
    private final StreamConnection connection;
    private volatile boolean tailNext;
    private volatile long firstSeq = -1;

    FirehoseSource(String url, Supplier<List<String>> collections, LivePipeline<FirehoseFrame, FirehoseFrame> pipeline,
            CursorStore cursors, GapLog gaps, GapRepair repair, FirehoseStats stats, StreamConnection.Settings settings,
            Details details) {
        this.url = endpoint(url);
        this.collections = collections;
        this.pipeline = pipeline;
        this.cursors = cursors;
        this.gaps = gaps;
        this.repair = repair;
        this.stats = stats;
        this.details = details;
        this.connection = new StreamConnection("firehose", this, settings);
    }

    /** What {@code /admin/live} shows of the firehose beyond the connection (verification, resyncs). */
    @FunctionalInterface
    interface Details {
        Map<String, Object> get() throws Exception;
    }

    /** The subscribeRepos endpoint of a relay given by its host, its base URL or the endpoint itself. */
    static String endpoint(String url) {
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        if (u.startsWith("https://")) u = "wss://" + u.substring(8);
        else if (u.startsWith("http://")) u = "ws://" + u.substring(7);
        else if (!u.startsWith("wss://") && !u.startsWith("ws://")) u = "wss://" + u;
        return u.endsWith(PATH) ? u : u + PATH;
    }

    void start() {
        connection.start();
    }

    @Override
    public String name() {
        return FirehoseApplier.SOURCE;
    }

    @Override
    public Status status() {
        return new Status(connection.state(), url, collections.get(), connection.connectedSince(), connection.reconnects(),
                connection.lastError());
    }

    /** The firehose's cursor is a sequence number, not a time. */
    @Override
    public Instant cursorTime(long cursor) {
        return null;
    }

    @Override
    public Map<String, Object> details() throws Exception {
        return details.get();
    }

    /** The firehose carries every collection: only a first record lexicon (or the last one deleted) matters here. */
    @Override
    public void collectionsChanged() {
        if (collections.get().isEmpty()) connection.reconnectNow(); // to idle: nothing to index
        else connection.wake();
    }

    /** The whole stream, from the resume point; nothing while there is no record lexicon. */
    @Override
    public Optional<URI> target() throws Exception {
        if (collections.get().isEmpty()) return Optional.empty();
        Long cursor = startCursor();
        return Optional.of(URI.create(cursor == null ? url : url + "?cursor=" + cursor));
    }

    @Override
    public StreamConnection.Reader reader() {
        return new Reader();
    }

    /**
     * Where to resume: after the saved cursor; before anything is committed, after the first frame this process
     * received (its events may still be in the pipeline); else the relay's head.
     */
    private Long startCursor() throws Exception {
        if (tailNext) {
            tailNext = false;
            return null;
        }
        OptionalLong saved = cursors.resumePoint(name());
        if (saved.isPresent()) return saved.getAsLong();
        return firstSeq < 0 ? null : firstSeq - 1;
    }

    /** A gap in the stream: recorded with the backfill that repairs it; the stream goes on from {@code restartAt}. */
    private void gap(String reason, long restartAt) {
        UUID job = null;
        try {
            job = repair.backfill(null);
        } catch (Exception e) {
            log.warn("firehose: could not start the backfill that repairs a gap: {}", e.toString());
        }
        try {
            OptionalLong from = cursors.resumePoint(name());
            gaps.record(name(), from.isPresent() ? from.getAsLong() : null, reason, job, restartAt);
            log.warn("firehose: gap: {}; backfill {}", reason, job);
        } catch (Exception e) {
            connection.error("recording a gap: " + e);
        }
    }

    /** Frames that concern the connection rather than a repo. */
    private boolean control(FirehoseEvent event) throws Exception {
        switch (event) {
            case InfoEvent info -> {
                if ("OutdatedCursor".equals(info.name())) {
                    // The relay starts from the oldest event it keeps: what came before is lost to the stream.
                    OptionalLong saved = cursors.resumePoint(name());
                    gap("the relay no longer keeps events since the cursor (#info OutdatedCursor)",
                            saved.isPresent() ? saved.getAsLong() : 0);
                } else {
                    log.info("firehose: #info {}: {}", info.name(), info.message());
                }
                return true;
            }
            case ErrorFrame error -> {
                connection.error("the relay ended the stream: " + error.error() + (error.message() == null ? "" : ": " + error.message()));
                if ("FutureCursor".equals(error.error())) {
                    // The cursor is ahead of the relay (reset, or another relay): start again from its head.
                    tailNext = true;
                    gap("the relay does not know the cursor (FutureCursor)", 0);
                }
                connection.drop();
                return true;
            }
            case UnknownFrame unknown -> {
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** One connection's frames: assembled up to the size limit, decoded, handed to the pipeline. */
    private final class Reader implements StreamConnection.Reader {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private long size;
        private boolean oversized;

        @Override
        public void binary(ByteBuffer data, boolean last) throws InterruptedException {
            size += data.remaining();
            if (!oversized && size > maxFrameBytes) {
                // Past the limit: only the start is kept, which names the event.
                oversized = true;
                byte[] start = partial.toByteArray();
                partial.reset();
                partial.write(start, 0, Math.min(start.length, OVERSIZED_PREFIX));
            }
            int room = (oversized ? OVERSIZED_PREFIX : maxFrameBytes) - partial.size();
            if (room > 0) {
                byte[] chunk = new byte[Math.min(room, data.remaining())];
                data.get(chunk);
                partial.write(chunk, 0, chunk.length);
            }
            if (!last) return;
            try {
                frame();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                connection.error("handling a frame: " + e);
                log.warn("firehose: handling a frame failed", e);
            } finally {
                partial.reset();
                size = 0;
                oversized = false;
            }
        }

        private void frame() throws Exception {
            long cpu0 = CPU.getCurrentThreadCpuTime();
            FirehoseFrame frame = oversized ? FirehoseFrame.oversized(partial.toByteArray(), size, maxFrameBytes)
                    : FirehoseFrame.decode(partial.toByteArray());
            stats.parsed(CPU.getCurrentThreadCpuTime() - cpu0);
            if (control(frame.event())) return;
            if (firstSeq < 0 && frame.cursor() >= 0) firstSeq = frame.cursor();
            pipeline.offer(frame); // blocks while the pipeline is full: back pressure on the socket
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
