package dev.happyview.protocol.xrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.happyview.protocol.net.EndpointCheckException;
import dev.happyview.protocol.net.OutboundGuard;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPInputStream;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * Outbound HTTP for XRPC and DID documents. Every call goes through its host's {@link HostPolicy} (concurrency,
 * budgets, 429 blocks), retries transient failures with exponential backoff and jitter, never follows redirects,
 * caps and times out bodies, and turns every failure into a classified {@link XrpcException}.
 *
 * <p>The transport is Apache HttpClient's classic (blocking) client on the caller's virtual thread: HTTP/1.1 with a
 * pool of kept-alive connections per host. It costs a fraction of the JDK client's CPU per request (whose
 * asynchronous hand-offs were 40% of the service's samples during a backfill); see docs/decisions.md.
 */
public final class XrpcClient implements AutoCloseable {
    private final ClientSettings settings;
    private final OutboundGuard guard;
    private final ObjectMapper json;
    private final String userAgent;
    private final CloseableHttpClient http;
    private final RequestConfig streamRequests;
    private final Map<String, HostPolicy> hosts = new ConcurrentHashMap<>();
    private final ClientStats stats = new ClientStats();

    public XrpcClient(ClientSettings settings, OutboundGuard guard, ObjectMapper json, String version) {
        this.settings = settings;
        this.guard = guard;
        this.json = json;
        this.userAgent = "happyview-jvm/" + version + " (ATProto backfill; +https://github.com/happyview-jvm)";
        int perRoute = Math.max(settings.perHostConcurrency(), settings.trustedHostConcurrency());
        var connections = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(perRoute)
                .setMaxConnTotal(Math.max(4096, perRoute))
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(settings.connectTimeout()))
                        .setSocketTimeout(Timeout.of(settings.requestTimeout()))
                        .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                        .setTimeToLive(TimeValue.ofMinutes(5))
                        .build())
                .build();
        // The response timeout bounds each wait for bytes: the headers, and every read of the body.
        RequestConfig requests = RequestConfig.custom()
                .setResponseTimeout(Timeout.of(settings.requestTimeout()))
                .setConnectionRequestTimeout(Timeout.of(settings.requestTimeout()))
                .setRedirectsEnabled(false)
                .build();
        this.streamRequests = RequestConfig.copy(requests)
                .setResponseTimeout(Timeout.of(max(settings.requestTimeout(), settings.streamIdleTimeout())))
                .build();
        this.http = HttpClients.custom()
                .setConnectionManager(connections)
                .setDefaultRequestConfig(requests)
                .setUserAgent(userAgent)
                .disableRedirectHandling()
                .disableContentCompression() // gzip is decoded here, so the size cap counts inflated bytes
                .disableAutomaticRetries() // retries are this class's, with backoff and classification
                .disableCookieManagement()
                .disableAuthCaching()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
    }

    public ClientStats stats() {
        return stats;
    }

    public OutboundGuard guard() {
        return guard;
    }

    /**
     * The rate-limit budget that requests to {@code endpoint} (an XRPC method) on the host of {@code base} are charged
     * to, as far as this client knows it now; empty until that host has answered once.
     */
    public Optional<HostBudget> budget(String base, String endpoint) {
        URI url;
        try {
            url = URI.create(base);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a URL this client could have sent anything to
        }
        HostPolicy host = hosts.get(url.getScheme() + "://" + url.getAuthority());
        return host == null ? Optional.empty() : host.budget(endpoint);
    }

    /** What a host may budget apart: the XRPC method, or "document" for anything else (a DID document). */
    private static String endpointOf(URI url) {
        String path = url.getRawPath();
        return path != null && path.startsWith("/xrpc/") ? path.substring(6) : "document";
    }

    /** An XRPC query: {@code GET {base}/xrpc/{nsid}?params}, JSON answer. */
    public JsonNode query(String base, String nsid, Map<String, String> params, boolean untrustedHost)
            throws XrpcException, InterruptedException {
        return getJson(xrpcUrl(base, nsid, params), untrustedHost);
    }

    /** An XRPC query whose answer is streamed (a CAR, gzip-compressed in transit); the caller must close it. */
    public InputStream queryStream(String base, String nsid, Map<String, String> params, boolean untrustedHost)
            throws XrpcException, InterruptedException {
        URI url = xrpcUrl(base, nsid, params);
        var resp = send(url, untrustedHost, true);
        return resp.body;
    }

    /** An XRPC query's whole JSON body as bytes, for callers that parse it as a stream. */
    public byte[] queryBytes(String base, String nsid, Map<String, String> params, boolean untrustedHost)
            throws XrpcException, InterruptedException {
        URI url = xrpcUrl(base, nsid, params);
        var resp = send(url, untrustedHost, false);
        return readBody(url, resp);
    }

    /** A plain JSON document (a DID document). */
    public JsonNode getJson(URI url, boolean untrustedHost) throws XrpcException, InterruptedException {
        var resp = send(url, untrustedHost, false);
        byte[] body = readBody(url, resp);
        try {
            JsonNode node = json.readTree(body);
            if (node == null || node.isMissingNode()) throw new IOException("empty body");
            return node;
        } catch (IOException e) {
            throw XrpcException.transientFailure(resp.status, "InvalidJson", url.getHost() + ": response is not valid JSON", e);
        }
    }

    private byte[] readBody(URI url, Opened resp) throws XrpcException {
        try {
            return BoundedBodies.readAll(resp.body, settings.maxJsonBytes(), settings.requestTimeout());
        } catch (BoundedBodies.BodyTooLargeException e) {
            throw XrpcException.permanent(resp.status, "ResponseTooLarge", url.getHost() + ": " + e.getMessage());
        } catch (IOException e) {
            throw XrpcException.transientFailure(resp.status, null, url.getHost() + ": reading body failed: " + e.getMessage(), e);
        } finally {
            BoundedBodies.closeQuietly(resp.body);
        }
    }

    private record Opened(int status, InputStream body) {}

    private void checkEndpoint(URI url) throws XrpcException {
        try {
            guard.check(url);
        } catch (EndpointCheckException e) {
            throw e.refused() ? XrpcException.permanent(0, "EndpointRefused", e.getMessage())
                    : XrpcException.transientFailure(0, null, e.getMessage(), e.getCause());
        }
    }

    /** Sends until a 2xx arrives (returned with its body open and the host slot held until the body is closed). */
    private Opened send(URI url, boolean untrustedHost, boolean gzip)
            throws XrpcException, InterruptedException {
        String endpoint = endpointOf(url);
        if (untrustedHost) checkEndpoint(url); // refused hosts get no host policy at all
        String hostKey = url.getScheme() + "://" + url.getAuthority();
        // Hosts named by untrusted documents (PDSes, did:web) get the conservative default budget until they announce
        // their own; the operator's relay and PLC directory are limited only by concurrency and their 429s.
        HostPolicy host = hosts.computeIfAbsent(hostKey, h -> untrustedHost
                ? new HostPolicy(settings.perHostConcurrency(), settings.defaultHostRate(), settings.defaultHostBurst())
                : new HostPolicy(settings.trustedHostConcurrency(), Double.POSITIVE_INFINITY, Integer.MAX_VALUE));
        int failures = 0;
        int rateLimitWaits = 0;
        while (true) {
            long blocked = host.blockedForMillis(endpoint);
            if (blocked > settings.maxRateLimitWait().toMillis()) {
                throw XrpcException.transientFailure(429, "RateLimitExceeded",
                        url.getHost() + " is rate limited for another " + blocked / 1000 + " s", null);
            }
            long waitStart = System.nanoTime();
            HostPolicy.Permit permit = host.acquire(endpoint);
            stats.waited((System.nanoTime() - waitStart) / 1_000_000);
            boolean handedOver = false;
            try {
                // Checked again right before each attempt (waits and retries can be long): the connect must follow a
                // check closely, because the check pins the addresses the connect will use. Recent checks are reused.
                if (untrustedHost) checkEndpoint(url);
                HttpGet request = request(url, gzip);
                ClassicHttpResponse resp;
                ResponseBody raw;
                try {
                    resp = http.executeOpen(null, request, null);
                    try {
                        raw = new ResponseBody(request, resp);
                    } catch (IOException e) {
                        request.cancel(); // the body never opened: give the connection up rather than leak it
                        throw e;
                    }
                } catch (IOException e) {
                    if (Thread.interrupted()) throw new InterruptedException("cancelled while waiting for " + url.getHost());
                    stats.request(hostKey, 0);
                    failures = retryOrThrow(failures, e instanceof InterruptedIOException
                            ? XrpcException.transientFailure(0, "Timeout",
                                    url.getHost() + ": no response within " + settings.requestTimeout().toSeconds() + " s", e)
                            : XrpcException.transientFailure(0, "ConnectionFailed", url.getHost() + ": " + describe(e), e));
                    continue;
                }
                int status = resp.getCode();
                host.onResponse(permit, status, RateLimitHeaders.parse(name -> header(resp, name), System.currentTimeMillis()));
                stats.request(hostKey, status); // after the policy: a counted 429 already blocks the host
                if (status >= 200 && status < 300) {
                    InputStream body = decoded(status, resp, raw);
                    handedOver = true;
                    return new Opened(status, BoundedBodies.stream(body, settings.maxStreamBytes(),
                            settings.streamIdleTimeout(), permit::release));
                }
                XrpcException error = errorFrom(url, status, resp, raw);
                if (status == 429) {
                    if (++rateLimitWaits > settings.maxRateLimitWaits()) throw error;
                    continue; // the host policy now blocks every caller until the reset
                }
                if (error.isPermanent()) throw error;
                failures = retryOrThrow(failures, error);
            } finally {
                if (!handedOver) permit.release();
            }
        }
    }

    private int retryOrThrow(int failures, XrpcException error) throws XrpcException, InterruptedException {
        int n = failures + 1;
        if (n >= settings.attempts()) throw error;
        stats.retried();
        long base = settings.backoffBase().toMillis() << Math.min(10, n - 1);
        long capped = Math.min(base, 10_000);
        Thread.sleep(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
        return n;
    }

    /**
     * Compression is asked for only for streamed bodies (CARs, large and very compressible); JSON pages are small,
     * and inflating them costs more CPU than the transfer saves.
     */
    private HttpGet request(URI url, boolean stream) {
        var get = new HttpGet(url);
        if (stream) {
            get.setHeader("Accept-Encoding", "gzip");
            get.setConfig(streamRequests);
        }
        return get;
    }

    private static String header(ClassicHttpResponse resp, String name) {
        Header h = resp.getFirstHeader(name);
        return h == null ? null : h.getValue();
    }

    private static InputStream decoded(int status, ClassicHttpResponse resp, ResponseBody raw) throws XrpcException {
        String encoding = header(resp, "Content-Encoding");
        if (encoding == null || !encoding.trim().equalsIgnoreCase("gzip")) return raw;
        try {
            return new GZIPInputStream(raw, 64 * 1024);
        } catch (IOException e) {
            BoundedBodies.closeQuietly(raw);
            throw XrpcException.transientFailure(status, "InvalidGzip", "response gzip header is corrupt", e);
        }
    }

    /** Reads a short error body and classifies it; non-JSON error pages (proxies, HTML) are tolerated. */
    private XrpcException errorFrom(URI url, int status, ClassicHttpResponse resp, ResponseBody raw) {
        String name = null;
        String message = null;
        try {
            byte[] body = BoundedBodies.readAll(decodedQuietly(status, resp, raw), 64 * 1024, Duration.ofSeconds(5));
            JsonNode node = json.readTree(body);
            if (node != null && node.isObject()) {
                name = node.hasNonNull("error") ? node.get("error").asText() : null;
                message = node.hasNonNull("message") ? node.get("message").asText() : null;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON (an HTML error page) or unreadable: the status alone decides
        } finally {
            BoundedBodies.closeQuietly(raw);
        }
        String text = url.getHost() + " answered " + status + (name == null ? "" : " " + name)
                + (message == null ? "" : ": " + abbreviate(message));
        if (status == 429) return XrpcException.transientFailure(429, "RateLimitExceeded", text, null);
        // 501: the host does not implement the method (MethodNotImplemented); asking again will not change that.
        if (status == 501) return XrpcException.permanent(status, name, text);
        if (status >= 500 || status == 408) return XrpcException.transientFailure(status, name, text, null);
        if (status >= 300 && status < 400) return XrpcException.permanent(status, "Redirect", text + " (redirects are not followed)");
        // Every other 4xx: the request itself was refused (RepoNotFound, RepoTakendown, 404/410, …).
        return XrpcException.permanent(status, name, text);
    }

    private static InputStream decodedQuietly(int status, ClassicHttpResponse resp, ResponseBody raw) {
        try {
            return decoded(status, resp, raw);
        } catch (XrpcException e) {
            return InputStream.nullInputStream();
        }
    }

    /**
     * A response's body as received. A body read to its end hands the connection back to the pool for the next
     * request; one closed early (an error, a cap, a timeout, a caller that stops reading) aborts the exchange, which
     * closes the socket at once instead of draining what the server still sends.
     */
    private static final class ResponseBody extends FilterInputStream {
        private final HttpGet request;
        private final long contentLength;
        private long received;
        private boolean ended;
        private boolean closed;

        ResponseBody(HttpGet request, ClassicHttpResponse response) throws IOException {
            this(request, response.getEntity());
        }

        private ResponseBody(HttpGet request, HttpEntity entity) throws IOException {
            super(entity == null ? InputStream.nullInputStream() : entity.getContent());
            this.request = request;
            this.contentLength = entity == null ? 0 : entity.getContentLength();
            this.ended = entity == null;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b < 0) ended = true;
            else received++;
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n < 0) ended = true;
            else received += n;
            return n;
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            // Every byte of a body with a known length has arrived even if the reader did not ask for the end.
            boolean complete = ended || (contentLength >= 0 && received >= contentLength);
            if (!complete) request.cancel(); // closes the socket, so the close below does not drain
            try {
                super.close();
            } catch (IOException | RuntimeException ignored) {
                // the exchange is over either way
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    static URI xrpcUrl(String base, String nsid, Map<String, String> params) {
        var sb = new StringBuilder(base.endsWith("/") ? base.substring(0, base.length() - 1) : base)
                .append("/xrpc/").append(nsid);
        char sep = '?';
        for (var e : params.entrySet()) {
            if (e.getValue() == null) continue;
            sb.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
            sep = '&';
        }
        return URI.create(sb.toString());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    @Override
    public void close() {
        http.close(CloseMode.IMMEDIATE);
    }
}
