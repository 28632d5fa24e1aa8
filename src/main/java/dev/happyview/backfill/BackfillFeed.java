package dev.happyview.backfill;

import dev.happyview.Json;
import dev.happyview.api.ApiException;
import dev.happyview.api.Permission;
import dev.happyview.api.Routes;
import dev.happyview.api.StreamTokens;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server push of the jobs list for the dashboard. {@code POST /admin/backfill/events/token} (backfill:read) returns a
 * token valid 60 s; {@code GET /admin/backfill/events?token=…} (with {@code Accept: text/event-stream}) then streams
 * {@code jobs} events, each the JSON array of {@code GET /admin/backfill/status}, sent on connect and whenever it
 * changes (checked every {@code intervalMillis}). One ticker thread reads the list once per tick for all clients and
 * runs only while somebody listens. Register this module before {@link BackfillRoutes}: its path would otherwise
 * match {@code /admin/backfill/{id}}.
 */
public final class BackfillFeed implements Routes.Module, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackfillFeed.class);
    static final int JOBS = 50;
    private static final int HEARTBEAT_TICKS = 20;

    private final Callable<String> snapshot;
    private final long intervalMillis;
    private final StreamTokens tokens = new StreamTokens();
    private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    private volatile String last;
    private Thread ticker;
    private volatile boolean closed;
    private long ticks;

    public BackfillFeed(BackfillService service) {
        this(() -> Json.MAPPER.writeValueAsString(service.list(JOBS, null).jobs()), 500);
    }

    BackfillFeed(Callable<String> snapshot, long intervalMillis) {
        this.snapshot = snapshot;
        this.intervalMillis = intervalMillis;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/admin/backfill/events/token", Permission.BACKFILL_READ, (ctx, caller) ->
                ctx.json(Map.of("token", tokens.issue(), "expires_in", StreamTokens.TTL.toSeconds())));
        var sse = new SseHandler(this::connected);
        routes.publicRoutes().get("/admin/backfill/events", ctx -> {
            if (!tokens.valid(ctx.queryParam("token"))) {
                throw ApiException.unauthorized("missing or expired stream token: POST /admin/backfill/events/token first");
            }
            if (!String.valueOf(ctx.header("Accept")).contains("text/event-stream")) {
                throw ApiException.badRequest("this is an event stream: send Accept: text/event-stream");
            }
            sse.handle(ctx);
        });
    }

    /** Clients listening now (for tests and metrics). */
    public int clients() {
        return clients.size();
    }

    private void connected(SseClient client) {
        client.keepAlive();
        client.onClose(() -> clients.remove(client));
        try {
            String now = snapshot.call();
            client.sendEvent("jobs", now);
            if (last == null) last = now; // so the ticker's first round does not send the same list again
        } catch (Exception e) {
            log.warn("backfill feed: could not read jobs: {}", e.toString());
        }
        clients.add(client);
        synchronized (lock) {
            if (!closed && ticker == null) ticker = Thread.ofVirtual().name("backfill-feed").start(this::tick);
        }
    }

    private void tick() {
        while (true) {
            synchronized (lock) {
                if (closed || clients.isEmpty()) {
                    ticker = null;
                    last = null;
                    return;
                }
            }
            try {
                String now = snapshot.call();
                boolean changed = !now.equals(last);
                // A comment now and then keeps idle connections from being timed out by the server or a proxy.
                boolean heartbeat = ++ticks % HEARTBEAT_TICKS == 0;
                if (changed || heartbeat) {
                    last = now;
                    for (SseClient c : clients) {
                        if (c.terminated()) clients.remove(c);
                        else if (changed) c.sendEvent("jobs", now);
                        else c.sendComment("heartbeat");
                    }
                }
            } catch (Exception e) {
                log.warn("backfill feed: could not read jobs: {}", e.toString());
            }
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                synchronized (lock) {
                    ticker = null;
                }
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        clients.forEach(SseClient::close);
        clients.clear();
        synchronized (lock) {
            if (ticker != null) ticker.interrupt();
        }
    }
}
