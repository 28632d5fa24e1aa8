package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UnauthorizedResponse;
import io.javalin.websocket.WsContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * A stand-in for indigo's Tap over a {@link SimNetwork}: {@code /repos/add} and {@code /repos/remove} (deduplicated by
 * DID), a backfill of each newly added repo (an identity event, then one historical create per record), live events
 * when the network's records change, and delivery over {@code /channel} with Tap's rules — at-least-once (unacked
 * events are sent again after a timeout), per-DID order with live events as barriers, events shared across the
 * connected clients, a non-JSON client frame closing the connection — plus {@code /stats/*}, {@code /info/:did},
 * {@code /health} and Basic auth. It keeps everything in memory.
 */
public final class TapSimulator implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One event as sent; {@code uri}, {@code action} and {@code cid} are null for identity events. */
    public record Event(long id, String did, boolean live, String frame, String uri, String action, String cid) {}

    private final SimNetwork net;
    private final Set<String> collections;
    private final String authorization;
    private final Duration redeliverAfter;
    private final Javalin server;
    private final ConcurrentSkipListMap<Long, Event> outbox = new ConcurrentSkipListMap<>();
    private final ConcurrentSkipListMap<Long, Event> unsent = new ConcurrentSkipListMap<>();
    private final Map<String, DidQueue> perDid = new ConcurrentHashMap<>();
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<String, Boolean> tracked = new ConcurrentHashMap<>();
    private final List<WsContext> clients = new CopyOnWriteArrayList<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong redelivered = new AtomicLong();
    private final AtomicInteger roundRobin = new AtomicInteger();
    private final List<Consumer<Event>> ackListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService backfills = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread dispatcher;
    private volatile boolean running = true;
    private volatile boolean paused;

    private TapSimulator(SimNetwork net, Set<String> collections, String password, Duration redeliverAfter) {
        this.net = net;
        this.collections = Set.copyOf(collections);
        this.authorization = password == null || password.isEmpty() ? null
                : "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
        this.redeliverAfter = redeliverAfter;
        this.server = Javalin.create(cfg -> {
            cfg.startup.startupWatcherEnabled = false;
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.routes.before(this::checkAuth);
            cfg.routes.wsBeforeUpgrade("/channel", this::checkAuth);
            cfg.routes.get("/health", ctx -> ctx.json(Map.of("status", "ok")));
            cfg.routes.post("/repos/add", ctx -> {
                for (String did : dids(ctx)) {
                    if (tracked.putIfAbsent(did, true) == null) backfills.submit(() -> backfill(did));
                }
            });
            cfg.routes.post("/repos/remove", ctx -> dids(ctx).forEach(tracked::remove));
            // Simulator-only (not Tap's API): hold and release delivery, so a benchmark can time a drain alone.
            cfg.routes.post("/_sim/pause", ctx -> pause());
            cfg.routes.post("/_sim/resume", ctx -> resume());
            cfg.routes.get("/stats/repo-count", ctx -> ctx.json(Map.of("repo_count", tracked.size())));
            cfg.routes.get("/stats/record-count", ctx -> ctx.json(Map.of("record_count", records.get())));
            cfg.routes.get("/stats/outbox-buffer", ctx -> ctx.json(Map.of("outbox_buffer", outbox.size())));
            cfg.routes.get("/stats/resync-buffer", ctx -> ctx.json(Map.of("resync_buffer", 0)));
            cfg.routes.get("/info/{did}", ctx -> {
                String did = ctx.pathParam("did");
                if (!tracked.containsKey(did)) {
                    ctx.status(404).json(Map.of("message", "repo not found"));
                } else {
                    ctx.json(Map.of("did", did, "state", "active", "records",
                            net.groundTruth(collections, did).size()));
                }
            });
            cfg.routes.ws("/channel", ws -> {
                ws.onConnect(clients::add);
                ws.onClose(clients::remove);
                ws.onError(clients::remove);
                ws.onMessage(ctx -> onClientFrame(ctx, ctx.message()));
            });
        });
        net.onMutation(this::onMutation);
        dispatcher = Thread.ofPlatform().daemon().name("tap-sim-dispatch").start(this::dispatch);
    }

    public static TapSimulator start(SimNetwork net, Set<String> collections, String password, Duration redeliverAfter) {
        var sim = new TapSimulator(net, collections, password, redeliverAfter);
        sim.server.start("127.0.0.1", 0);
        return sim;
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Called with every event a client acknowledged, at the moment the ack arrives. */
    public void onAck(Consumer<Event> listener) {
        ackListeners.add(listener);
    }

    /** Holds delivery (events still queue up) until {@link #resume()}: lets a benchmark time the drain alone. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
    }

    public int outboxSize() {
        return outbox.size();
    }

    public long sentCount() {
        return sent.get();
    }

    public long redeliveredCount() {
        return redelivered.get();
    }

    /** Queues a raw frame (e.g. a malformed one) as if Tap had produced it; returns its id. */
    public long injectFrame(String did, String frameWithoutId) {
        long id = nextId.getAndIncrement();
        ObjectNode frame;
        try {
            frame = (ObjectNode) JSON.readTree(frameWithoutId);
            frame.put("id", id);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
        queue(new Event(id, did, false, frame.toString(), null, null, null));
        return id;
    }

    private void checkAuth(Context ctx) {
        if (authorization != null && !authorization.equals(ctx.header("Authorization"))) {
            ctx.header("WWW-Authenticate", "Basic realm=\"admin\", charset=\"UTF-8\"");
            throw new UnauthorizedResponse("atproto admin auth required, but missing or incorrect password");
        }
    }

    private static List<String> dids(Context ctx) throws Exception {
        var out = new ArrayList<String>();
        JSON.readTree(ctx.body()).path("dids").forEach(d -> out.add(d.asText()));
        return out;
    }

    private void backfill(String did) {
        String rev = net.revOf(did); // before the snapshot: what follows reflects at least this revision
        GroundTruth truth = net.groundTruth(collections, did);
        ObjectNode identity = JSON.createObjectNode().put("did", did).put("handle", "user.test").put("is_active", true)
                .put("status", "active");
        enqueue(did, false, "identity", identity, null, null, null);
        for (var e : truth.records().entrySet()) {
            emitRecord(did, false, "create", e.getKey(), e.getValue(), truth.value(e.getKey()), rev);
        }
    }

    private void onMutation(Mutation m) {
        if (!tracked.containsKey(m.did()) || m.collection() == null || !collections.contains(m.collection())) return;
        String action = switch (m.type()) {
            case CREATE -> "create";
            case UPDATE -> "update";
            case DELETE -> "delete";
            case REPO_CREATED, ACCOUNT_DELETED, MIGRATED -> null;
        };
        if (action != null) emitRecord(m.did(), true, action, m.uri(), m.cid(), m.value(), m.rev());
    }

    private void emitRecord(String did, boolean live, String action, String uri, String cid, JsonNode value, String rev) {
        String[] parts = uri.substring(5).split("/");
        ObjectNode r = JSON.createObjectNode().put("live", live).put("did", did).put("rev", rev)
                .put("collection", parts[1]).put("rkey", parts[2]).put("action", action);
        if (!action.equals("delete")) {
            r.put("cid", cid);
            r.set("record", value);
            records.incrementAndGet();
        }
        enqueue(did, live, "record", r, uri, action, cid);
    }

    private synchronized void enqueue(String did, boolean live, String type, ObjectNode body, String uri, String action,
            String cid) {
        long id = nextId.getAndIncrement();
        ObjectNode frame = JSON.createObjectNode().put("id", id).put("type", type);
        frame.set(type, body);
        queue(new Event(id, did, live, frame.toString(), uri, action, cid));
    }

    private void queue(Event e) {
        var q = perDid.computeIfAbsent(e.did(), d -> new DidQueue());
        q.unacked.add(e.id());
        if (e.live()) q.liveUnacked.add(e.id());
        outbox.put(e.id(), e);
        unsent.put(e.id(), e);
    }

    private void onClientFrame(WsContext ctx, String message) {
        JsonNode n;
        try {
            n = JSON.readTree(message);
        } catch (Exception e) {
            ctx.closeSession(); // like Tap: a frame that is not JSON ends the connection
            return;
        }
        if (n != null && "ack".equals(n.path("type").asText()) && n.path("id").canConvertToLong()) {
            long id = n.get("id").asLong();
            Event e = outbox.remove(id);
            sentAt.remove(id);
            if (e != null) {
                var q = perDid.get(e.did());
                q.unacked.remove(id);
                q.liveUnacked.remove(id);
                ackListeners.forEach(l -> l.accept(e));
            }
        }
    }

    /**
     * Sends what per-DID order allows, and again what stayed unacknowledged longer than the timeout. New events are
     * looked at every 2 ms; the whole outbox only a few times per timeout, so the cost of a pass does not grow with
     * the number of events in flight.
     */
    private void dispatch() {
        long redeliveryScanNanos = Math.max(redeliverAfter.toNanos() / 4, 20_000_000L);
        long lastScan = System.nanoTime();
        while (running) {
            try {
                Thread.sleep(2);
                if (clients.isEmpty() || paused) continue;
                long now = System.nanoTime();
                for (Event e : unsent.values()) {
                    if (!mayGo(e)) continue;
                    if (!send(e, now)) break; // no client right now: the event stays unsent
                    unsent.remove(e.id());
                }
                if (now - lastScan >= redeliveryScanNanos) {
                    lastScan = now;
                    for (Event e : outbox.values()) {
                        Long at = sentAt.get(e.id()); // null: not sent yet, or still being written
                        if (at == null || now - at < redeliverAfter.toNanos()) continue;
                        redelivered.incrementAndGet();
                        send(e, now);
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                // a client went away mid-send: its events are sent again after the timeout
            }
        }
    }

    /** Per-DID order: nothing passes an unacked live event, and a live event waits for everything before it. */
    private boolean mayGo(Event e) {
        DidQueue q = perDid.get(e.did());
        Long firstLive = q.liveUnacked.isEmpty() ? null : q.liveUnacked.first();
        if (firstLive != null && firstLive < e.id()) return false;
        if (!e.live()) return true;
        Long first = q.unacked.isEmpty() ? null : q.unacked.first();
        return first == null || first >= e.id();
    }

    /** A DID's unacknowledged event ids, and the live ones among them (its barriers). */
    private static final class DidQueue {
        final ConcurrentSkipListSet<Long> unacked = new ConcurrentSkipListSet<>();
        final ConcurrentSkipListSet<Long> liveUnacked = new ConcurrentSkipListSet<>();
    }

    /**
     * Sends to one of the clients; false if there is none. Like Tap, the retry timeout runs from when the frame was
     * written: a frame still queued behind a client that reads slowly is not sent again (queueing a copy of every late
     * frame behind the ones already waiting would grow without bound). A send that fails is retried after the timeout.
     */
    private boolean send(Event e, long now) {
        List<WsContext> live = clients;
        if (live.isEmpty()) return false;
        WsContext client = live.get(Math.floorMod(roundRobin.getAndIncrement(), live.size()));
        sentAt.remove(e.id());
        sent.incrementAndGet();
        client.session.sendText(e.frame(), Callback.from(() -> written(e.id()), failure -> written(e.id())));
        return true;
    }

    private void written(long id) {
        if (outbox.containsKey(id)) sentAt.put(id, System.nanoTime());
    }

    @Override
    public void close() {
        running = false;
        dispatcher.interrupt();
        backfills.shutdownNow();
        server.stop();
    }
}
