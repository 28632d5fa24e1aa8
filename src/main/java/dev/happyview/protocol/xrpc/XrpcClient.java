package dev.happyview.protocol.xrpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.happyview.protocol.net.OutboundGuard;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.GZIPInputStream;

/**
 * Outbound HTTP for XRPC and DID documents. Every call goes through its host's {@link HostPolicy} (concurrency,
 * pacing, 429 blocks), retries transient failures with exponential backoff and jitter, never follows redirects,
 * caps and times out bodies, and turns every failure into a classified {@link XrpcException}.
 */
public final class XrpcClient implements AutoCloseable {
    private final ClientSettings settings;
    private final OutboundGuard guard;
    private final ObjectMapper json;
    private final String userAgent;
    private final HttpClient http;
    private final Map<String, HostPolicy> hosts = new ConcurrentHashMap<>();
    private final ClientStats stats = new ClientStats();

    public XrpcClient(ClientSettings settings, OutboundGuard guard, ObjectMapper json, String version) {
        this.settings = settings;
        this.guard = guard;
        this.json = json;
        this.userAgent = "happyview-jvm/" + version + " (ATProto backfill; +https://github.com/happyview-jvm)";
        this.http = HttpClient.newBuilder()
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build();
    }

    public ClientStats stats() {
        return stats;
    }

    public OutboundGuard guard() {
        return guard;
    }

    /** An XRPC query: {@code GET {base}/xrpc/{nsid}?params}, JSON answer. */
    public JsonNode query(String base, String nsid, Map<String, String> params, boolean untrustedHost)
            throws XrpcException, InterruptedException {
        return getJson(xrpcUrl(base, nsid, params), nsid, untrustedHost);
    }

    /** An XRPC query whose answer is streamed (a CAR, gzip-compressed in transit); the caller must close it. */
    public InputStream queryStream(String base, String nsid, Map<String, String> params, boolean untrustedHost)
            throws XrpcException, InterruptedException {
        URI url = xrpcUrl(base, nsid, params);
        var resp = send(url, nsid, untrustedHost, true);
        return resp.body;
    }

    /** An XRPC query's whole JSON body as bytes, for callers that parse it as a stream. */
    public byte[] queryBytes(String base, String nsid, Map<String, String> params, boolean untrustedHost)
            throws XrpcException, InterruptedException {
        URI url = xrpcUrl(base, nsid, params);
        var resp = send(url, nsid, untrustedHost, false);
        return readBody(url, resp);
    }

    /** A plain JSON document (a DID document). */
    public JsonNode getJson(URI url, String endpointName, boolean untrustedHost) throws XrpcException, InterruptedException {
        var resp = send(url, endpointName, untrustedHost, false);
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

    /** Sends until a 2xx arrives (returned with its body open and the host slot held until the body is closed). */
    private Opened send(URI url, String endpoint, boolean untrustedHost, boolean gzip)
            throws XrpcException, InterruptedException {
        if (untrustedHost) guard.check(url); // refused hosts get no host policy at all
        String hostKey = url.getScheme() + "://" + url.getAuthority();
        // Hosts named by untrusted documents (PDSes, did:web) get the conservative default budget until they announce
        // their own; the operator's relay and PLC directory are limited only by concurrency and their 429s.
        HostPolicy host = hosts.computeIfAbsent(hostKey, h -> untrustedHost
                ? new HostPolicy(settings.perHostConcurrency(), settings.defaultHostRate(), settings.defaultHostBurst())
                : new HostPolicy(settings.trustedHostConcurrency(), Double.POSITIVE_INFINITY, Integer.MAX_VALUE));
        int failures = 0;
        int rateLimitWaits = 0;
        while (true) {
            long blocked = host.blockedForMillis();
            if (blocked > settings.maxRateLimitWait().toMillis()) {
                throw XrpcException.transientFailure(429, "RateLimitExceeded",
                        url.getHost() + " is rate limited for another " + blocked / 1000 + " s", null);
            }
            long waitStart = System.nanoTime();
            host.acquire();
            stats.waited((System.nanoTime() - waitStart) / 1_000_000);
            boolean handedOver = false;
            try {
                // Checked again right before each attempt (waits and retries can be long): the connect must follow a
                // check closely, because the check pins the addresses the connect will use. Recent checks are reused.
                if (untrustedHost) guard.check(url);
                HttpResponse<InputStream> resp;
                try {
                    resp = http.send(request(url, gzip), HttpResponse.BodyHandlers.ofInputStream());
                } catch (HttpTimeoutException e) {
                    stats.request(hostKey, endpoint, 0);
                    failures = retryOrThrow(failures, XrpcException.transientFailure(0, "Timeout",
                            url.getHost() + ": no response within " + settings.requestTimeout().toSeconds() + " s", e));
                    continue;
                } catch (IOException e) {
                    stats.request(hostKey, endpoint, 0);
                    failures = retryOrThrow(failures, XrpcException.transientFailure(0, "ConnectionFailed",
                            url.getHost() + ": " + describe(e), e));
                    continue;
                }
                int status = resp.statusCode();
                stats.request(hostKey, endpoint, status);
                host.onResponse(status, RateLimitHeaders.parse(resp.headers(), System.currentTimeMillis()));
                if (status >= 200 && status < 300) {
                    InputStream body = decoded(resp);
                    handedOver = true;
                    return new Opened(status, BoundedBodies.stream(body, settings.maxStreamBytes(),
                            settings.streamIdleTimeout(), host::release));
                }
                XrpcException error = errorFrom(url, resp);
                if (status == 429) {
                    if (++rateLimitWaits > settings.maxRateLimitWaits()) throw error;
                    continue; // the host policy now blocks every caller until the reset
                }
                if (error.isPermanent()) throw error;
                failures = retryOrThrow(failures, error);
            } finally {
                if (!handedOver) host.release();
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
    private HttpRequest request(URI url, boolean gzip) {
        var b = HttpRequest.newBuilder(url)
                .timeout(settings.requestTimeout())
                .header("User-Agent", userAgent)
                .GET();
        if (gzip) b.header("Accept-Encoding", "gzip");
        b.version(url.getScheme().equals("https") ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
        return b.build();
    }

    private static InputStream decoded(HttpResponse<InputStream> resp) throws XrpcException {
        boolean gzip = resp.headers().firstValue("Content-Encoding").map(v -> v.trim().equalsIgnoreCase("gzip")).orElse(false);
        if (!gzip) return resp.body();
        try {
            return new GZIPInputStream(resp.body(), 64 * 1024);
        } catch (IOException e) {
            BoundedBodies.closeQuietly(resp.body());
            throw XrpcException.transientFailure(resp.statusCode(), "InvalidGzip", "response gzip header is corrupt", e);
        }
    }

    /** Reads a short error body and classifies it; non-JSON error pages (proxies, HTML) are tolerated. */
    private XrpcException errorFrom(URI url, HttpResponse<InputStream> resp) {
        int status = resp.statusCode();
        String name = null;
        String message = null;
        try {
            byte[] body = BoundedBodies.readAll(decodedQuietly(resp), 64 * 1024, Duration.ofSeconds(5));
            JsonNode node = json.readTree(body);
            if (node != null && node.isObject()) {
                name = node.hasNonNull("error") ? node.get("error").asText() : null;
                message = node.hasNonNull("message") ? node.get("message").asText() : null;
            }
        } catch (IOException | RuntimeException e) {
            // not JSON (an HTML error page) or unreadable: the status alone decides
        } finally {
            BoundedBodies.closeQuietly(resp.body());
        }
        String text = url.getHost() + " answered " + status + (name == null ? "" : " " + name)
                + (message == null ? "" : ": " + abbreviate(message));
        if (status == 429) return XrpcException.transientFailure(429, "RateLimitExceeded", text, null);
        if (status >= 500 || status == 408) return XrpcException.transientFailure(status, name, text, null);
        if (status >= 300 && status < 400) return XrpcException.permanent(status, "Redirect", text + " (redirects are not followed)");
        // Every other 4xx: the request itself was refused (RepoNotFound, RepoTakendown, 404/410, …).
        return XrpcException.permanent(status, name, text);
    }

    private static InputStream decodedQuietly(HttpResponse<InputStream> resp) {
        try {
            return decoded(resp);
        } catch (XrpcException e) {
            return InputStream.nullInputStream();
        }
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
        http.shutdownNow();
    }
}
