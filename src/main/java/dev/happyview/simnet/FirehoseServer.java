package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.firehose.CommitBuilder;
import dev.happyview.protocol.firehose.FirehoseEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.AccountEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.ErrorFrame;
import dev.happyview.protocol.firehose.FirehoseEvent.IdentityEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InfoEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.firehose.FrameEncoder;
import dev.happyview.protocol.firehose.RepoOp;
import dev.happyview.protocol.repo.CarSlice;
import dev.happyview.protocol.repo.CarWriter;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.MemoryBlockStore;
import dev.happyview.protocol.repo.MstBuilder;
import dev.happyview.protocol.syntax.Tid;
import io.javalin.Javalin;
import io.javalin.websocket.WsContext;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.websocket.api.Callback;

/**
 * A relay's firehose ({@code com.atproto.sync.subscribeRepos}) over a {@link SimNetwork}'s changes: every record change
 * becomes a real sync-1.1 {@code #commit} — signed by the repo's key, with the CAR slice that proves its ops and the
 * previous MST root ({@code prevData}) — that chains on the repo as {@code getRepo} serves it. Account deletions and
 * moves become {@code #account}/{@code #identity} events; new repos a first commit. Events get consecutive sequence
 * numbers and are kept for replay ({@code cursor}: the events after it; a cursor older than what is kept gets
 * {@code #info OutdatedCursor}, one ahead of the stream the error {@code FutureCursor}).
 *
 * <p>Faults, each "every n-th commit" (0 = never), counted as injected: a commit <b>dropped</b> (a gap in its repo's
 * chain), an extra commit with a <b>forged</b> signature, an extra commit whose ops do not match its signed tree
 * (<b>mismatch</b>), an older commit of the repo sent again (<b>stale</b>), a commit replaced by a {@code #sync} of the
 * new state (<b>rebase</b>: the repo moved without a diff), a commit sent as {@code tooBig} without its diff, and an
 * <b>oversized</b> frame (its blocks over the 2,000,000-byte limit, every second one over the 5 MB frame limit); and
 * "every n-th frame sent": an <b>error frame</b> ({@code ConsumerTooSlow}, then the connection closes) and a
 * connection dropped in the <b>middle of a frame</b>. {@link #takedown} takes an account down. Start it before the
 * network changes: it learns each repo's tree from the state at its start.
 */
public final class FirehoseServer implements AutoCloseable {
    private static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";
    /** Frames queued to one connection before its sender waits for the oldest. */
    private static final int SENDS_IN_FLIGHT = 256;
    private static final AtprotoKeyPair FORGER = AtprotoKeyPair.generate(Curve.K256, new byte[] {6, 6, 6});

    /** Fault rates: the first seven per commit published, the last two per frame sent (0 = never). */
    public record Faults(int dropEvery, int forgeEvery, int mismatchEvery, int staleEvery, int rebaseEvery, int tooBigEvery,
            int oversizedEvery, int errorFrameEvery, int midFrameEvery) {
        public static final Faults NONE = new Faults(0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** The kinds of faults, as counted by {@link #injected}. */
    public enum Fault { DROPPED, FORGED, MISMATCH, STALE, REBASE, TOO_BIG, OVERSIZED, ERROR_FRAME, MID_FRAME, TAKEDOWN }

    /** A repo as the relay last saw it: its tree (MST nodes), root, rev, and its last commit frame sent. */
    private static final class Chain {
        final MemoryBlockStore store = new MemoryBlockStore();
        Cid data;
        String rev;
        CommitEvent last;
    }

    private final SimNetwork net;
    private final Javalin server;
    private final ConcurrentSkipListMap<Long, byte[]> events = new ConcurrentSkipListMap<>();
    private final Map<WsContext, Subscriber> subscribers = new ConcurrentHashMap<>();
    private final int maxEvents;
    private final Object signal = new Object();
    private final Map<String, List<SimRepo.Entry>> initial = new HashMap<>();
    private final Map<String, String> initialRevs = new HashMap<>();
    private final Map<String, Chain> chains = new HashMap<>();
    private final Set<String> takedowns = ConcurrentHashMap.newKeySet();
    private final Set<String> dropped = ConcurrentHashMap.newKeySet();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong connectionsOpened = new AtomicLong();
    private volatile Faults faults = Faults.NONE;
    private long lastSeq;
    private long commits;
    private int oversizedCount;

    private FirehoseServer(SimNetwork net, int maxEvents) {
        this.net = net;
        this.maxEvents = maxEvents;
        for (Fault f : Fault.values()) injected.put(f, new AtomicLong());
        for (SimRepo r : net.registry().all()) {
            initial.put(r.did, r.snapshot(null));
            initialRevs.put(r.did, r.rev());
        }
        this.server = Javalin.create(cfg -> {
            cfg.startup.startupWatcherEnabled = false;
            cfg.startup.showJavalinBanner = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.routes.get("/_sim/stats", ctx -> ctx.json(stats()));
            cfg.routes.ws(PATH, ws -> {
                ws.onConnect(ctx -> {
                    ctx.session.setMaxBinaryMessageSize(16 << 20);
                    var sub = new Subscriber(ctx);
                    subscribers.put(ctx, sub);
                    connectionsOpened.incrementAndGet();
                    Thread.ofVirtual().name("firehose-sim-sender").start(sub::run);
                });
                ws.onClose(this::close);
                ws.onError(this::close);
            });
        });
    }

    /** Serves the network's changes from now on, keeping the last {@code maxEvents} for replay. */
    public static FirehoseServer start(SimNetwork net, int maxEvents) {
        var fh = new FirehoseServer(net, maxEvents);
        net.onMutation(fh::onMutation);
        fh.server.start("127.0.0.1", 0);
        return fh;
    }

    /** The relay's base URL (the endpoint is {@code /xrpc/com.atproto.sync.subscribeRepos} below it). */
    public String url() {
        return "ws://127.0.0.1:" + server.port();
    }

    public void faults(Faults f) {
        this.faults = f;
    }

    /** Faults injected so far, by kind. */
    public Map<Fault, Long> injected() {
        var out = new EnumMap<Fault, Long>(Fault.class);
        injected.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Repos one of whose commits was dropped: the gap shows at their next commit. */
    public Set<String> droppedDids() {
        return Set.copyOf(dropped);
    }

    public synchronized long lastSeq() {
        return lastSeq;
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

    /** Takes an account down: its records are gone (as for a deletion), and the stream says {@code takendown}. */
    public void takedown(String did) {
        takedowns.add(did);
        net.deleteAccount(did);
    }

    /** Drops every connection abruptly (no close frame). */
    public void dropConnections() {
        subscribers.keySet().forEach(ctx -> ctx.session.disconnect());
    }

    private Map<String, Object> stats() {
        var m = new LinkedHashMap<String, Object>();
        m.put("last_seq", lastSeq());
        m.put("sent", sent.get());
        m.put("connections", connectionsOpened.get());
        m.put("injected", injected());
        return m;
    }

    // ---------------------------------------------------------------- events from changes

    private synchronized void onMutation(Mutation m) {
        String now = Instant.now().toString();
        switch (m.type()) {
            case CREATE, UPDATE, DELETE -> commit(m, now);
            case ACCOUNT_DELETED -> {
                String status = takedowns.remove(m.did()) ? "takendown" : "deleted";
                if (status.equals("takendown")) injected.get(Fault.TAKEDOWN).incrementAndGet();
                publish(new AccountEvent(lastSeq + 1, m.did(), now, false, status));
            }
            case MIGRATED -> {
                publish(new IdentityEvent(lastSeq + 1, m.did(), now, null));
                publish(new AccountEvent(lastSeq + 1, m.did(), now, true, null));
            }
            case REPO_CREATED -> created(m.did(), now);
        }
    }

    private void commit(Mutation m, String now) {
        SimRepo repo = net.registry().get(m.did());
        Chain chain = chain(repo);
        String path = m.collection() + "/" + m.rkey();
        var action = switch (m.type()) {
            case CREATE -> RepoOp.Action.CREATE;
            case UPDATE -> RepoOp.Action.UPDATE;
            default -> RepoOp.Action.DELETE;
        };
        byte[] record = m.value() == null ? null : DagCborEncoder.encodeRecord(m.value());
        var built = CommitBuilder.commit(m.did(), repo.key, chain.data, chain.store, chain.rev, m.rev(),
                List.of(new CommitBuilder.Write(action, path, record)), lastSeq + 1, now);
        built.newBlocks().forEach(chain.store::put);
        CommitEvent previous = chain.last;
        Cid before = chain.data;
        String since = chain.rev;
        chain.data = built.commit().data();
        chain.rev = m.rev();
        long n = ++commits;
        Faults f = faults;
        CommitEvent event = built.event();
        if (every(f.dropEvery(), n)) {
            injected.get(Fault.DROPPED).incrementAndGet();
            dropped.add(m.did());
        } else if (every(f.rebaseEvery(), n)) {
            injected.get(Fault.REBASE).incrementAndGet();
            publish(CommitBuilder.sync(lastSeq + 1, built.commit(), now));
        } else if (every(f.tooBigEvery(), n)) {
            injected.get(Fault.TOO_BIG).incrementAndGet();
            byte[] block = built.commit().encode();
            publish(new CommitEvent(lastSeq + 1, m.did(), m.rev(), since, built.commitCid(),
                    CarWriter.toBytes(built.commitCid(), Map.of(built.commitCid(), block)), List.of(), before, now, true));
        } else if (every(f.oversizedEvery(), n)) {
            injected.get(Fault.OVERSIZED).incrementAndGet();
            int padding = oversizedCount++ % 2 == 0 ? 2_100_000 : 5_200_000;
            publish(withBlocks(event, padded(event.blocks(), padding)));
        } else {
            chain.last = event;
            publish(event);
        }
        if (every(f.forgeEvery(), n)) {
            injected.get(Fault.FORGED).incrementAndGet();
            publish(fake(m.did(), FORGER, chain, false, now));
        }
        if (every(f.mismatchEvery(), n)) {
            injected.get(Fault.MISMATCH).incrementAndGet();
            publish(fake(m.did(), repo.key, chain, true, now));
        }
        if (every(f.staleEvery(), n) && previous != null) {
            injected.get(Fault.STALE).incrementAndGet();
            publish(withSeq(previous, lastSeq + 1));
        }
    }

    private static boolean every(int n, long count) {
        return n > 0 && count % n == 0;
    }

    /** A repo's tree as of the server's start, built the first time the repo changes. */
    private Chain chain(SimRepo repo) {
        return chains.computeIfAbsent(repo.did, did -> {
            var c = new Chain();
            var keys = new TreeMap<String, Cid>();
            for (SimRepo.Entry e : initial.getOrDefault(did, List.of())) keys.put(e.key(), repo.cid(e));
            c.data = MstBuilder.build(keys, c.store);
            c.rev = initialRevs.get(did);
            initial.remove(did);
            return c;
        });
    }

    /**
     * A commit that is not the repo's: the creation of a record that never existed, signed by another key
     * ({@code mismatch} false) or by the repo's own key but with its op naming another record than its tree holds.
     */
    private CommitEvent fake(String did, AtprotoKeyPair key, Chain chain, boolean mismatch, String now) {
        long micros = Tid.micros(chain.rev) + 1;
        String path = net.scenario().collections().getFirst() + "/" + Tid.of(micros, 1000);
        byte[] record = DagCborEncoder.encodeRecord(SimRepo.canonical(
                JsonNodeFactory.instance.objectNode().put("text", "never written")));
        var built = CommitBuilder.commit(did, key, chain.data, chain.store, chain.rev, Tid.of(micros, 1001),
                List.of(new CommitBuilder.Write(RepoOp.Action.CREATE, path, record)), lastSeq + 1, now);
        CommitEvent e = built.event();
        if (!mismatch) return e;
        byte[] other = DagCborEncoder.encodeRecord(SimRepo.canonical(
                JsonNodeFactory.instance.objectNode().put("text", "not the signed one")));
        Cid otherCid = Cid.ofDagCbor(other);
        var blocks = new LinkedHashMap<>(CarSlice.parse(e.blocks(), 10_000).blocks());
        blocks.put(otherCid, other);
        return new CommitEvent(e.seq(), did, e.rev(), e.since(), e.commit(), CarWriter.toBytes(e.commit(), blocks),
                List.of(new RepoOp(RepoOp.Action.CREATE, path, otherCid, null)), e.prevData(), now, false);
    }

    /** A new repo's first commit: all its records created. */
    private void created(String did, String now) {
        SimRepo repo = net.registry().get(did);
        publish(new IdentityEvent(lastSeq + 1, did, now, repo.handle));
        publish(new AccountEvent(lastSeq + 1, did, now, true, null));
        var writes = new ArrayList<CommitBuilder.Write>();
        for (SimRepo.Entry e : repo.snapshot(null)) {
            writes.add(new CommitBuilder.Write(RepoOp.Action.CREATE, e.key(), repo.cbor(e)));
        }
        Chain chain = new Chain();
        var built = CommitBuilder.commit(did, repo.key, null, chain.store, null, repo.rev(), writes, lastSeq + 1, now);
        built.newBlocks().forEach(chain.store::put);
        chain.data = built.commit().data();
        chain.rev = repo.rev();
        chain.last = built.event();
        chains.put(did, chain);
        publish(built.event());
    }

    private static CommitEvent withSeq(CommitEvent e, long seq) {
        return new CommitEvent(seq, e.repo(), e.rev(), e.since(), e.commit(), e.blocks(), e.ops(), e.prevData(), e.time(), e.tooBig());
    }

    private static CommitEvent withBlocks(CommitEvent e, byte[] blocks) {
        return new CommitEvent(e.seq(), e.repo(), e.rev(), e.since(), e.commit(), blocks, e.ops(), e.prevData(), e.time(), e.tooBig());
    }

    /** The slice with one more (valid, unreferenced) block of {@code bytes} bytes. */
    private static byte[] padded(byte[] car, int bytes) {
        CarSlice slice = CarSlice.parse(car, 10_000);
        var blocks = new LinkedHashMap<>(slice.blocks());
        byte[] junk = new byte[bytes];
        blocks.put(Cid.ofRaw(junk), junk);
        return CarWriter.toBytes(slice.roots().getFirst(), blocks);
    }

    /** Gives the event the next sequence number and keeps its frame. */
    private void publish(FirehoseEvent event) {
        long seq = ++lastSeq;
        FirehoseEvent numbered = switch (event) {
            case CommitEvent c -> withSeq(c, seq);
            case SyncEvent s -> new SyncEvent(seq, s.did(), s.rev(), s.blocks(), s.time());
            case AccountEvent a -> new AccountEvent(seq, a.did(), a.time(), a.active(), a.status());
            case IdentityEvent i -> new IdentityEvent(seq, i.did(), i.time(), i.handle());
            default -> throw new IllegalArgumentException("not a stream event: " + event);
        };
        events.put(seq, FrameEncoder.encode(numbered));
        while (events.size() > maxEvents) events.pollFirstEntry();
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

    /** One connection and the thread that sends it the events after its cursor, in order. */
    private final class Subscriber {
        private final WsContext ctx;
        private final String cursor;
        /** The stream's head when the connection opened: without a cursor, the events after it are sent. */
        private final long head;
        private volatile boolean open = true;
        private final SendWindow window = new SendWindow(SENDS_IN_FLIGHT);

        Subscriber(WsContext ctx) {
            this.ctx = ctx;
            this.cursor = ctx.queryParam("cursor");
            this.head = lastSeq();
        }

        void run() {
            try {
                long position;
                if (cursor == null || cursor.isEmpty()) {
                    position = head;
                } else {
                    position = Long.parseLong(cursor);
                    if (position > lastSeq()) {
                        send(FrameEncoder.encode(new ErrorFrame("FutureCursor", "cursor " + position + " is ahead of the stream")));
                        ctx.closeSession(1000, "FutureCursor");
                        return;
                    }
                    Long oldest = events.isEmpty() ? null : events.firstKey();
                    if (oldest != null && position < oldest - 1) {
                        send(FrameEncoder.encode(new InfoEvent("OutdatedCursor", "events before " + oldest + " are no longer kept")));
                        position = oldest - 1;
                    }
                }
                while (open) {
                    var next = events.higherEntry(position);
                    if (next == null) {
                        synchronized (signal) {
                            if (events.higherEntry(position) == null && open) signal.wait(50);
                        }
                        continue;
                    }
                    position = next.getKey();
                    long n = sent.incrementAndGet();
                    Faults f = faults;
                    if (every(f.midFrameEvery(), n)) {
                        injected.get(Fault.MID_FRAME).incrementAndGet();
                        byte[] frame = next.getValue();
                        window.drain();
                        ctx.session.sendPartialBinary(ByteBuffer.wrap(frame, 0, frame.length / 2), false, Callback.NOOP);
                        Thread.sleep(50);
                        ctx.session.disconnect();
                        return;
                    }
                    if (every(f.errorFrameEvery(), n)) {
                        injected.get(Fault.ERROR_FRAME).incrementAndGet();
                        send(FrameEncoder.encode(new ErrorFrame("ConsumerTooSlow", "the consumer fell behind")));
                        ctx.closeSession(1008, "ConsumerTooSlow");
                        return;
                    }
                    send(next.getValue());
                }
            } catch (Exception e) {
                ctx.session.disconnect(); // a send that failed or hung: the client reconnects with its cursor
            } finally {
                close(ctx);
            }
        }

        private void send(byte[] frame) throws Exception {
            window.send(cb -> ctx.session.sendBinary(ByteBuffer.wrap(frame), cb));
        }
    }

    @Override
    public void close() {
        dropConnections();
        server.stop();
    }
}
