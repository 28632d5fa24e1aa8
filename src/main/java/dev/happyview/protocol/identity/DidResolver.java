package dev.happyview.protocol.identity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.xrpc.XrpcClient;
import dev.happyview.protocol.xrpc.XrpcException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Resolves DIDs to documents: did:plc through the PLC directory, did:web through {@code /.well-known/did.json} (host
 * form only). Successes are cached for a day and failures for two minutes (bounded, oldest evicted first), and
 * concurrent lookups of one DID share a single request.
 */
public final class DidResolver {
    private record Cached(DidDocument doc, XrpcException error, long expiresAtNanos) {}

    private final XrpcClient client;
    private final String plcUrl;
    private final Duration successTtl;
    private final Duration failureTtl;
    private final int maxEntries;
    private final Map<String, Cached> cache;
    private final ConcurrentHashMap<String, CompletableFuture<Cached>> inFlight = new ConcurrentHashMap<>();

    public DidResolver(XrpcClient client, String plcUrl, Duration successTtl, Duration failureTtl, int maxEntries) {
        this.client = client;
        this.plcUrl = plcUrl.endsWith("/") ? plcUrl.substring(0, plcUrl.length() - 1) : plcUrl;
        this.successTtl = successTtl;
        this.failureTtl = failureTtl;
        this.maxEntries = maxEntries;
        this.cache = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
                return size() > DidResolver.this.maxEntries;
            }
        });
    }

    public DidResolver(XrpcClient client, String plcUrl) {
        this(client, plcUrl, Duration.ofHours(24), Duration.ofMinutes(2), 500_000);
    }

    /** The DID's document, or a classified failure (404/410 and invalid documents are permanent). */
    public DidDocument resolve(Did did) throws XrpcException, InterruptedException {
        Cached cached = cache.get(did.value());
        if (cached != null && cached.expiresAtNanos() > System.nanoTime()) return unwrap(cached);
        var mine = new CompletableFuture<Cached>();
        var existing = inFlight.putIfAbsent(did.value(), mine);
        if (existing != null) {
            try {
                return unwrap(existing.get());
            } catch (ExecutionException e) {
                throw XrpcException.transientFailure(0, null, "resolving " + did + " failed: " + e.getCause(), e.getCause());
            }
        }
        try {
            Cached entry = fetch(did);
            cache.put(did.value(), entry);
            mine.complete(entry);
            return unwrap(entry);
        } catch (InterruptedException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(did.value(), mine);
        }
    }

    /** Forgets a cached document (e.g. when a signature did not verify, before asking again). */
    public void invalidate(Did did) {
        cache.remove(did.value());
    }

    private Cached fetch(Did did) throws InterruptedException {
        try {
            JsonNode json;
            if (did.isPlc()) {
                json = client.getJson(URI.create(plcUrl + "/" + did.value()), false);
            } else if (did.isWeb()) {
                json = client.getJson(didWebUrl(did), true);
            } else {
                throw XrpcException.permanent(0, "UnsupportedDidMethod", "unsupported DID method: " + did.method());
            }
            DidDocument doc;
            try {
                doc = DidDocument.parse(did.value(), json);
            } catch (IllegalArgumentException e) {
                throw XrpcException.permanent(0, "InvalidDidDocument", "invalid DID document for " + did + ": " + e.getMessage());
            }
            return new Cached(doc, null, System.nanoTime() + successTtl.toNanos());
        } catch (XrpcException e) {
            XrpcException described = e.status() == 404 || e.status() == 410
                    ? XrpcException.permanent(e.status(), "DidNotFound", did + " not found (" + e.status() + ")")
                    : e;
            return new Cached(null, described, System.nanoTime() + failureTtl.toNanos());
        }
    }

    /** {@code did:web:example.com} → https://example.com/.well-known/did.json; a port ({@code %3A}) only for tests. */
    private URI didWebUrl(Did did) throws XrpcException {
        String host = URLDecoder.decode(did.value().substring("did:web:".length()), StandardCharsets.UTF_8);
        if (host.contains(":") && !client.guard().allowsPrivateNetwork()) {
            throw XrpcException.permanent(0, "InvalidDidWeb", "did:web with a port or path is not supported: " + did);
        }
        if (host.contains("/") || host.isEmpty()) {
            throw XrpcException.permanent(0, "InvalidDidWeb", "only the host form of did:web is supported: " + did);
        }
        String scheme = client.guard().allowsPrivateNetwork() && isLocal(host) ? "http" : "https";
        return URI.create(scheme + "://" + host + "/.well-known/did.json");
    }

    private static boolean isLocal(String hostAndPort) {
        String h = hostAndPort.replaceFirst(":\\d+$", "");
        return h.equals("localhost") || h.equals("127.0.0.1");
    }

    private static DidDocument unwrap(Cached e) throws XrpcException {
        if (e.error() != null) throw e.error();
        return e.doc();
    }
}
