package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.Zstd;
import dev.happyview.protocol.jetstream.JetstreamZstd;
import io.javalin.Javalin;
import io.javalin.http.BadRequestResponse;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * A Jetstream ({@code /subscribe}, the legacy JSON protocol) over a {@link SimNetwork}'s changes: every mutation
 * becomes an event stamped with a strictly increasing {@code time_us}, kept for a bounded replay window. Subscribers
 * filter by {@code wantedCollections} (NSIDs or {@code prefix.*}) and {@code wantedDids}, change the filter with
 * {@code options_update}, and resume from a {@code cursor} (events at or after it). Identity and account events go to
 * everyone. The faults a real one has: a cursor older than the window is refused with HTTP 400 {@code CursorTooOld}
 * (Jetstream v2's answer; v1 silently clamps); a subscriber that falls behind the window is disconnected; and on
 * demand duplicate events, dropped connections and connections dropped in the middle of a frame. With
 * {@code compress=true} every event is a binary zstd frame with Jetstream's dictionary, as the real one sends.
 */
public final class JetstreamServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Fault rates, each "every n-th event sent" (0 = never). */
    public record Faults(int duplicateEvery, int disconnectEvery, int midFrameDropEvery) {
        public static final Faults NONE = new Faults(0, 0, 0);
    }

    private record Event(long timeUs, String did, String collection, String json) {}

    private final Javalin server;
    private final ConcurrentSkipListMap<Long, Event> events = new ConcurrentSkipListMap<>();
    private final Map<WsContext, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final long windowMicros;
    private final int maxEvents;
    private final Object signal = new Object();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong connectionsOpened = new AtomicLong();
    private volatile Faults faults = Faults.NONE;
    private final AtomicBoolean cutNextFrame = new AtomicBoolean();
    private final AtomicBoolean garbleNextFrame = new AtomicBoolean();
    private final AtomicLong compressedConnections = new AtomicLong();
    private final AtomicLong framesGarbled = new AtomicLong();
    private volatile long floorMicros;
    private long lastTimeUs;
    /** How many events {@link #events} holds (its own size() walks the whole map). Guarded by this. */
    private int kept;

    private JetstreamServer(SimNetwork net, Duration window, int maxEvents) {
        this.windowMicros = window.toNanos() / 1000;
        this.maxEvents = maxEvents;
        this.server = Javalin.create(cfg -> {
            cfg.startup.startupWatcherEnabled = false;
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            // Simulator-only (not Jetstream's API): counters, and changes started on demand, so a benchmark can
            // record a stream before the service connects and time the service alone.
            cfg.routes.get("/_sim/stats", ctx -> ctx.json(Map.of("published", published.get(), "sent", sent.get(),
                    "connections", connectionsOpened.get(), "last_time_us", lastTimeUs())));
            cfg.routes.post("/_sim/mutate", ctx -> {
                double rate = Double.parseDouble(ctx.queryParam("rate"));
                int seconds = Integer.parseInt(ctx.queryParam("seconds"));
                LiveMutator.start(net, rate, Duration.ofSeconds(seconds), System.nanoTime());
            });
            cfg.routes.wsBeforeUpgrade("/subscribe", ctx -> {
                String cursor = ctx.queryParam("cursor");
                if (cursor != null && !cursor.isEmpty()) {
                    long c;
                    try {
                        c = Long.parseLong(cursor);
                    } catch (NumberFormatException e) {
                        throw new BadRequestResponse("invalid cursor: " + cursor);
                    }
                    if (c < floorMicros) throw new BadRequestResponse("CursorTooOld: the cursor is older than the replay window");
                }
            });
            cfg.routes.ws("/subscribe", ws -> {
                ws.onConnect(ctx -> {
                    var sub = new Subscriber(ctx);
                    subscribers.put(ctx, sub);
                    connectionsOpened.incrementAndGet();
                    Thread.ofVirtual().name("jetstream-sim-sender").start(sub::run);
                });
                ws.onClose(ctx -> close(ctx));
                ws.onError(ctx -> close(ctx));
                ws.onMessage(ctx -> {
                    var sub = subscribers.get(ctx);
                    if (sub != null) sub.options(ctx.message());
                });
            });
        });
    }

    /**
     * Serves a Jetstream over the network's changes from now on.
     *
     * @param window    how long events are kept for replay
     * @param maxEvents the most events kept (the oldest go first)
     */
    public static JetstreamServer start(SimNetwork net, Duration window, int maxEvents) {
        var js = new JetstreamServer(net, window, maxEvents);
        net.onMutation(js::onMutation);
        js.server.start("127.0.0.1", 0);
        return js;
    }

    public String url() {
        return "ws://127.0.0.1:" + server.port();
    }

    public void faults(Faults f) {
        this.faults = f;
    }

    public long published() {
        return published.get();
    }

    public long sent() {
        return sent.get();
    }

    public long connectionsOpened() {
        return connectionsOpened.get();
    }

    public int connected() {
        return subscribers.size();
    }

    /** The newest event's time, or 0. */
    public synchronized long lastTimeUs() {
        return lastTimeUs;
    }

    /** The kept events whose JSON contains {@code text}, oldest first (tests explain a difference with them). */
    public List<String> eventsMentioning(String text) {
        return events.values().stream().map(Event::json).filter(j -> j.contains(text)).toList();
    }

    /** To a subscriber of compressed events: the next event is sent as a zstd frame it cannot read (no dictionary). */
    public void garbleNextFrame() {
        garbleNextFrame.set(true);
    }

    /** Unreadable frames sent ({@link #garbleNextFrame}). */
    public long framesGarbled() {
        return framesGarbled.get();
    }

    /** Connections opened with {@code compress=true}. */
    public long compressedConnections() {
        return compressedConnections.get();
    }

    /** The next event sent to any subscriber is cut in the middle and its connection dropped. */
    public void cutNextFrame() {
        cutNextFrame.set(true);
    }

    /** Drops every connection abruptly (no close frame). */
    public void dropConnections() {
        subscribers.keySet().forEach(ctx -> ctx.session.disconnect());
    }

    private void onMutation(Mutation m) {
        switch (m.type()) {
            case CREATE, UPDATE -> commit(m, m.type() == Mutation.Type.CREATE ? "create" : "update");
            case DELETE -> commit(m, "delete");
            case ACCOUNT_DELETED -> account(m.did(), false, "deleted");
            case MIGRATED -> {
                identity(m.did(), "moved.simnet.test");
                account(m.did(), true, null);
            }
            case REPO_CREATED -> {
                publish(m.did(), null, base(m.did(), "identity").set("identity",
                        JSON.createObjectNode().put("did", m.did()).put("handle", "new.simnet.test")));
                publish(m.did(), null, base(m.did(), "account").set("account",
                        JSON.createObjectNode().put("did", m.did()).put("active", true)));
            }
        }
    }

    /** An account's hosting status changed ({@code status} null when active). */
    public void account(String did, boolean active, String status) {
        ObjectNode a = JSON.createObjectNode().put("did", did).put("active", active);
        if (status != null) a.put("status", status);
        publish(did, null, base(did, "account").set("account", a));
    }

    /** The account's DID document changed (a PDS migration, a handle change). */
    public void identity(String did, String handle) {
        publish(did, null, base(did, "identity").set("identity", JSON.createObjectNode().put("did", did).put("handle", handle)));
    }

    private void commit(Mutation m, String operation) {
        ObjectNode c = JSON.createObjectNode().put("rev", m.rev()).put("operation", operation)
                .put("collection", m.collection()).put("rkey", m.rkey());
        if (m.value() != null) {
            c.set("record", m.value());
            c.put("cid", m.cid());
        }
        publish(m.did(), m.collection(), base(m.did(), "commit").set("commit", c));
    }

    private static ObjectNode base(String did, String kind) {
        return JSON.createObjectNode().put("did", did).put("time_us", 0L).put("kind", kind);
    }

    private void publish(String did, String collection, JsonNode event) {
        synchronized (this) {
            long now = System.currentTimeMillis() * 1000;
            lastTimeUs = Math.max(now, lastTimeUs + 1);
            ((ObjectNode) event).put("time_us", lastTimeUs);
            events.put(lastTimeUs, new Event(lastTimeUs, did, collection, event.toString()));
            kept++;
            published.incrementAndGet();
            while (kept > 0 && (kept > maxEvents || events.firstKey() < lastTimeUs - windowMicros)) {
                floorMicros = events.pollFirstEntry().getKey() + 1;
                kept--;
            }
        }
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private void close(WsContext ctx) {
        var sub = subscribers.remove(ctx);
        if (sub != null) sub.open = false;
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /** One connection: its filter, and the thread that sends it events in order from its position. */
    private final class Subscriber {
        private final WsContext ctx;
        private volatile Set<String> collections;
        private volatile Set<String> prefixes;
        private volatile Set<String> dids;
        private volatile boolean open = true;
        /** {@code compress=true}: events go as binary zstd frames with Jetstream's dictionary. */
        private final boolean compress;
        private long position;

        Subscriber(WsContext ctx) {
            this.ctx = ctx;
            this.compress = "true".equals(ctx.queryParam("compress"));
            if (compress) compressedConnections.incrementAndGet();
            setFilter(ctx.queryParams("wantedCollections"), ctx.queryParams("wantedDids"));
            String cursor = ctx.queryParam("cursor");
            long now = System.currentTimeMillis() * 1000;
            position = cursor == null || cursor.isEmpty() || Long.parseLong(cursor) > now ? lastTimeUs() : Long.parseLong(cursor) - 1;
        }

        private void setFilter(List<String> wanted, List<String> wantedDids) {
            var exact = new HashSet<String>();
            var pre = new HashSet<String>();
            for (String c : wanted) {
                if (c.endsWith(".*")) pre.add(c.substring(0, c.length() - 1));
                else exact.add(c);
            }
            collections = exact;
            prefixes = pre;
            dids = Set.copyOf(wantedDids);
        }

        void options(String message) {
            try {
                JsonNode n = JSON.readTree(message);
                if (!"options_update".equals(n.path("type").asText())) return;
                var wanted = new ArrayList<String>();
                n.path("payload").path("wantedCollections").forEach(c -> wanted.add(c.asText()));
                var wantedDids = new ArrayList<String>();
                n.path("payload").path("wantedDids").forEach(d -> wantedDids.add(d.asText()));
                setFilter(wanted, wantedDids);
            } catch (Exception e) {
                ctx.closeSession(1008, "bad options_update"); // like Jetstream: an unreadable message ends the connection
            }
        }

        private boolean wants(Event e) {
            if (!dids.isEmpty() && !dids.contains(e.did())) return false;
            if (e.collection() == null || (collections.isEmpty() && prefixes.isEmpty())) return true;
            if (collections.contains(e.collection())) return true;
            for (String p : prefixes) {
                if (e.collection().startsWith(p)) return true;
            }
            return false;
        }

        void run() {
            try {
                while (open) {
                    var next = events.higherEntry(position);
                    if (next == null) {
                        synchronized (signal) {
                            if (events.higherEntry(position) == null && open) signal.wait(50);
                        }
                        continue;
                    }
                    if (position < floorMicros - 1) { // fell behind the window: like a consumer too slow
                        ctx.closeSession(1008, "ConsumerTooSlow");
                        return;
                    }
                    position = next.getKey();
                    Event e = next.getValue();
                    if (!wants(e)) continue;
                    long n = sent.incrementAndGet();
                    Faults f = faults;
                    if ((f.midFrameDropEvery() > 0 && n % f.midFrameDropEvery() == 0) || cutNextFrame.compareAndSet(true, false)) {
                        // Half a frame goes out (a partial frame's callback may wait for the rest), then the connection.
                        if (compress) {
                            byte[] frame = JetstreamZstd.compress(e.json());
                            ctx.session.sendPartialBinary(ByteBuffer.wrap(frame, 0, frame.length / 2), false, Callback.NOOP);
                        } else {
                            ctx.session.sendPartialText(e.json().substring(0, e.json().length() / 2), false, Callback.NOOP);
                        }
                        Thread.sleep(50);
                        ctx.session.disconnect();
                        return;
                    }
                    if (compress && garbleNextFrame.compareAndSet(true, false)) {
                        // A zstd frame without the dictionary in place of the event; the connection stays open.
                        sendBinary(Zstd.compress(e.json().getBytes(StandardCharsets.UTF_8)));
                        framesGarbled.incrementAndGet();
                        continue;
                    }
                    send(e.json());
                    if (f.duplicateEvery() > 0 && n % f.duplicateEvery() == 0) send(e.json());
                    if (f.disconnectEvery() > 0 && n % f.disconnectEvery() == 0) {
                        // The frames sent are the client's before the drop: an abrupt close can discard what the
                        // client had not read yet (seen in whole-suite runs), which is a different fault.
                        Thread.sleep(50);
                        ctx.session.disconnect();
                        return;
                    }
                }
            } catch (Exception e) {
                ctx.session.disconnect(); // a send that failed or hung: the client reconnects with its cursor
            } finally {
                close(ctx);
            }
        }

        private void send(String json) throws Exception {
            if (compress) {
                sendBinary(JetstreamZstd.compress(json));
                return;
            }
            var cb = new Callback.Completable();
            ctx.session.sendText(json, cb);
            cb.get(30, TimeUnit.SECONDS);
        }

        private void sendBinary(byte[] frame) throws Exception {
            var cb = new Callback.Completable();
            ctx.session.sendBinary(ByteBuffer.wrap(frame), cb);
            cb.get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        dropConnections();
        server.stop();
    }
}
