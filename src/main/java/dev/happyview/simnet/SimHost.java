package dev.happyview.simnet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPOutputStream;

/**
 * One simulated host: a JDK HttpServer on 127.0.0.1 (ephemeral port, virtual-thread executor) that adds
 * latency, host faults, the per-host rate limit and request accounting around a {@link Handler}.
 *
 * <p>Rate limit: a {@link FixedWindowBudget} per host that every request is charged to, and optionally a second
 * one for {@code getRepo} alone, which newer PDS versions keep apart from the global one; a request finding its
 * budget empty gets 429. The headers of the budget charged are on every response of a rate-limited host (none when
 * the scenario has no limit), except {@code html-429} answers.
 */
final class SimHost implements AutoCloseable {
    record Request(String method, String path, Map<String, String> query, String acceptEncoding) {
        String param(String name) {
            return query.get(name);
        }
    }

    enum Mode { NORMAL, HANG, SLOW, TRUNCATE }

    @FunctionalInterface
    interface BodyWriter {
        void write(OutputStream out) throws IOException;
    }

    /** {@code gzipped}, when set, is {@code body} already compressed, sent to clients that accept gzip. */
    record Response(int status, String contentType, byte[] body, BodyWriter stream, Map<String, String> headers,
                    Mode mode, int slowMillis, byte[] gzipped) {
        static Response json(int status, byte[] body) {
            return new Response(status, "application/json; charset=utf-8", body, null, Map.of(), Mode.NORMAL, 0, null);
        }

        static Response of(int status, String contentType, byte[] body) {
            return new Response(status, contentType, body, null, Map.of(), Mode.NORMAL, 0, null);
        }

        static Response streaming(String contentType, BodyWriter writer) {
            return new Response(200, contentType, null, writer, Map.of(), Mode.NORMAL, 0, null);
        }

        Response withMode(Mode m, int slow) {
            return new Response(status, contentType, body, stream, headers, m, slow, gzipped);
        }

        Response withHeader(String name, String value) {
            Map<String, String> h = new HashMap<>(headers);
            h.put(name, value);
            return new Response(status, contentType, body, stream, h, mode, slowMillis, gzipped);
        }

        Response withHeaders(Map<String, String> more) {
            Map<String, String> h = new HashMap<>(headers);
            h.putAll(more);
            return new Response(status, contentType, body, stream, h, mode, slowMillis, gzipped);
        }

        Response withGzipped(byte[] compressed) {
            return new Response(status, contentType, body, stream, headers, mode, slowMillis, compressed);
        }
    }

    @FunctionalInterface
    interface Handler {
        Response handle(Request request) throws Exception;
    }

    /** A 429 this host sent, and the arrival time of the next request it got (0 while none came). */
    static final class Throttle {
        final String host;
        final long sentAtMillis;
        final long resetEpochSeconds;
        final boolean withHeaders;
        volatile long nextRequestAtMillis;

        Throttle(String host, long sentAtMillis, long resetEpochSeconds, boolean withHeaders) {
            this.host = host;
            this.sentAtMillis = sentAtMillis;
            this.resetEpochSeconds = resetEpochSeconds;
            this.withHeaders = withHeaders;
        }
    }

    final String name;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Handler handler;
    private final int latencyMs;
    private final FixedWindowBudget budget;
    private final FixedWindowBudget getRepoBudget;
    private final List<Faults.HostFault> faults;
    private final long seed;
    private final CountDownLatch closed;
    private final ConcurrentHashMap<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final AtomicLong requestNo = new AtomicLong();
    private final List<Throttle> throttles = new ArrayList<>();
    private final List<Throttle> pending = new ArrayList<>();
    private volatile long firstRequestAt;

    /** {@code getRepoLimit}: getRepo's own budget, or {@link FixedWindowBudget.Spec#NONE} when it shares the host's. */
    SimHost(String name, int port, Handler handler, int latencyMs, FixedWindowBudget.Spec limit,
            FixedWindowBudget.Spec getRepoLimit, List<Faults.HostFault> allFaults, long seed, CountDownLatch closed)
            throws IOException {
        this.name = name;
        this.handler = handler;
        this.latencyMs = latencyMs;
        this.budget = limit.limited() ? new FixedWindowBudget(limit) : null;
        this.getRepoBudget = limit.limited() && getRepoLimit.limited() ? new FixedWindowBudget(getRepoLimit) : null;
        this.faults = allFaults.stream().filter(f -> f.host().equals(name)).toList();
        this.seed = seed;
        this.closed = closed;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::exchange);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    List<Throttle> throttles() {
        synchronized (pending) {
            return List.copyOf(throttles);
        }
    }

    private static String endpoint(String path) {
        if (path.startsWith("/xrpc/")) {
            return path.substring(6);
        }
        if (path.startsWith("/did:")) {
            return "plc.resolve";
        }
        return path;
    }

    /** Thrown out of the handler so that HttpServer drops the connection mid-body. */
    private static final class Truncated extends IOException {
        Truncated() {
            super("deliberately truncated");
        }
    }

    private void exchange(HttpExchange ex) throws IOException {
        long arrived = System.currentTimeMillis();
        try (ex) {
            synchronized (pending) {
                for (Throttle t : pending) {
                    t.nextRequestAtMillis = arrived;
                }
                pending.clear();
            }
            if (firstRequestAt == 0) {
                synchronized (this) {
                    if (firstRequestAt == 0) {
                        firstRequestAt = arrived;
                    }
                }
            }
            long n = requestNo.getAndIncrement();
            String path = ex.getRequestURI().getRawPath();
            String endpoint = endpoint(path);
            counts.computeIfAbsent(endpoint, k -> new LongAdder()).increment();
            if (latencyMs > 0) {
                Thread.sleep(latencyMs);
            }
            FixedWindowBudget charged = getRepoBudget != null && endpoint.equals("com.atproto.sync.getRepo") ? getRepoBudget : budget;
            Response resp = gate(n, charged);
            if (resp == null) {
                Request req = new Request(ex.getRequestMethod(), path, parseQuery(ex.getRequestURI().getRawQuery()),
                        ex.getRequestHeaders().getFirst("Accept-Encoding"));
                try {
                    resp = handler.handle(req);
                } catch (IllegalArgumentException e) {
                    resp = Replies.xrpcError(400, "InvalidRequest", e.getMessage());
                } catch (Exception e) {
                    resp = Replies.xrpcError(500, "InternalServerError", String.valueOf(e));
                }
                resp = withRateHeaders(resp, charged);
            }
            send(ex, resp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Truncated e) {
            throw e; // HttpServer closes the connection when a handler throws before the body is complete
        } catch (IOException | RuntimeException e) {
            // client went away, or a deliberate truncation: nothing to do
        }
    }

    /** Host faults and the rate limit; null to go on to the handler. */
    private Response gate(long n, FixedWindowBudget charged) {
        long now = System.currentTimeMillis();
        for (Faults.HostFault f : faults) {
            switch (f.kind()) {
                case STORM_429 -> {
                    long end = firstRequestAt + f.param() * 1000L;
                    if (now < end) {
                        FixedWindowBudget.Spec spec = charged != null ? charged.spec() : new FixedWindowBudget.Spec(3000, 300);
                        long reset = Math.ceilDiv(end, 1000);
                        return tooMany(now, reset, true)
                                .withHeaders(FixedWindowBudget.headers(spec.points(), 0, reset, spec.windowSec()));
                    }
                }
                case HTML_429 -> {
                    long end = firstRequestAt + f.param() * 1000L;
                    if (now < end) {
                        record(now, Math.ceilDiv(end, 1000), false);
                        return Response.of(429, "text/html; charset=utf-8",
                                "<html><head><title>429 Too Many Requests</title></head><body><h1>429 Too Many Requests</h1></body></html>"
                                        .getBytes(StandardCharsets.UTF_8));
                    }
                }
                case HTTP_500 -> { }
            }
        }
        if (charged != null && !charged.take(now)) {
            return withRateHeaders(tooMany(now, charged.resetEpochSeconds(), true), charged);
        }
        for (Faults.HostFault f : faults) {
            if (f.kind() == Faults.HostFaultKind.HTTP_500 && Math.floorMod(Seeds.mix(seed, name.hashCode(), n), 100) < f.param()) {
                return withRateHeaders(Replies.xrpcError(500, "InternalServerError", "Internal Server Error"), charged);
            }
        }
        return null;
    }

    private Response tooMany(long now, long resetEpochSeconds, boolean headers) {
        record(now, resetEpochSeconds, headers);
        return Replies.xrpcError(429, "RateLimitExceeded", "Rate Limit Exceeded");
    }

    private void record(long now, long reset, boolean headers) {
        Throttle t = new Throttle(name, now, reset, headers);
        synchronized (pending) {
            throttles.add(t);
            pending.add(t);
        }
    }

    private static Response withRateHeaders(Response resp, FixedWindowBudget charged) {
        if (charged == null || resp.headers().containsKey("RateLimit-Limit")) {
            return resp;
        }
        return resp.withHeaders(charged.headers());
    }

    private void send(HttpExchange ex, Response resp) throws IOException, InterruptedException {
        if (resp.mode() == Mode.HANG) {
            closed.await();
            return;
        }
        resp.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        if (resp.contentType() != null) {
            ex.getResponseHeaders().set("Content-Type", resp.contentType());
        }
        String ae = ex.getRequestHeaders().getFirst("Accept-Encoding");
        boolean gzip = resp.status() == 200 && ae != null && ae.toLowerCase(Locale.ROOT).contains("gzip");
        if (resp.stream() != null) {
            if (gzip) {
                ex.getResponseHeaders().set("Content-Encoding", "gzip");
            }
            ex.sendResponseHeaders(resp.status(), 0);
            try (OutputStream out = gzip ? new GZIPOutputStream(ex.getResponseBody(), 65536) : ex.getResponseBody()) {
                resp.stream().write(out);
            }
            return;
        }
        byte[] body = resp.body() == null ? new byte[0] : resp.body();
        if (gzip && resp.gzipped() != null) {
            body = resp.gzipped();
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
        } else if (gzip && body.length > 0) {
            ByteArrayOutputStream bout = new ByteArrayOutputStream(body.length / 4 + 64);
            try (GZIPOutputStream gz = new GZIPOutputStream(bout)) {
                gz.write(body);
            }
            body = bout.toByteArray();
            ex.getResponseHeaders().set("Content-Encoding", "gzip");
        }
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(resp.status(), -1);
            return;
        }
        ex.sendResponseHeaders(resp.status(), body.length == 0 ? -1 : body.length);
        if (body.length == 0) {
            return;
        }
        OutputStream out = ex.getResponseBody();
        switch (resp.mode()) {
            case NORMAL -> out.write(body);
            case TRUNCATE -> {
                out.write(body, 0, Math.max(1, body.length / 2));
                out.flush();
                throw new Truncated();
            }
            case SLOW -> {
                int pieces = 10;
                int step = Math.ceilDiv(body.length, pieces);
                for (int off = 0; off < body.length; off += step) {
                    out.write(body, off, Math.min(step, body.length - off));
                    out.flush();
                    Thread.sleep(Math.max(1, resp.slowMillis() / pieces));
                }
            }
            case HANG -> throw new AssertionError();
        }
        out.close();
    }

    static Map<String, String> parseQuery(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(k, v);
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
