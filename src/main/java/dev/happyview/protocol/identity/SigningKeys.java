package dev.happyview.protocol.identity;

import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.PublicKeys;
import dev.happyview.protocol.repo.RepoVerifier.SigningKeySource;
import dev.happyview.protocol.syntax.Did;
import java.io.IOException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Accounts' current signing keys ({@code #atproto} in their DID documents), parsed once and kept (bounded, least
 * recently used evicted first): a stream verifies every commit of an account with the same key. A refresh — asked when
 * a signature does not verify — drops the cached document and resolves it again, at most once per
 * {@link #REFRESH_INTERVAL_NANOS} per account, so a stream of forged commits cannot turn into a stream of lookups.
 */
public final class SigningKeys {
    private static final long REFRESH_INTERVAL_NANOS = 10_000_000_000L;

    private record Known(AtprotoPublicKey key, long resolvedAtNanos) {}

    private final DidResolver resolver;
    private final Map<String, Known> cache;

    public SigningKeys(DidResolver resolver, int maxEntries) {
        this.resolver = resolver;
        this.cache = Collections.synchronizedMap(new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Known> eldest) {
                return size() > maxEntries;
            }
        });
    }

    /** The key source a verifier asks, for one account. */
    public SigningKeySource of(String did) {
        return refresh -> key(did, refresh);
    }

    /**
     * @param refresh resolve the DID document again (unless that was done in the last few seconds)
     * @throws IOException when the document cannot be resolved or names no usable key
     */
    public AtprotoPublicKey key(String did, boolean refresh) throws IOException {
        Known cached = cache.get(did);
        if (cached != null && (!refresh || System.nanoTime() - cached.resolvedAtNanos() < REFRESH_INTERVAL_NANOS)) {
            return cached.key();
        }
        try {
            Did parsed = Did.parse(did);
            if (refresh) resolver.invalidate(parsed);
            VerificationKey vm = resolver.resolve(parsed).signingKey()
                    .orElseThrow(() -> new IOException("the DID document of " + did + " has no #atproto signing key"));
            AtprotoPublicKey key = PublicKeys.fromVerificationMethod(vm.type(), vm.publicKeyMultibase());
            cache.put(did, new Known(key, System.nanoTime()));
            return key;
        } catch (IOException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while resolving " + did, e);
        } catch (Exception e) {
            throw new IOException("signing key of " + did + " unavailable: " + e.getMessage(), e);
        }
    }

    /**
     * Resolves the keys of the accounts not known yet all at once, each on a virtual thread (the resolver's per-host
     * limits bound how many go out together), so a batch of commits from new accounts waits for one round of lookups
     * instead of one lookup after another. A lookup that fails is left for {@link #key} to report when the commit is
     * verified.
     */
    public void prefetch(Collection<String> dids) {
        List<String> missing = dids.stream().filter(did -> !cache.containsKey(did)).toList();
        if (missing.size() < 2) return; // one lookup takes as long here as when the commit is verified
        try (var lookups = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String did : missing) {
                lookups.execute(() -> {
                    try {
                        key(did, false);
                    } catch (IOException e) {
                        // reported by key() when the commit is verified
                    }
                });
            }
        }
    }

    /** Forgets an account's key and document (its identity changed). */
    public void invalidate(String did) {
        cache.remove(did);
        if (Did.isValid(did)) resolver.invalidate(Did.parse(did));
    }
}
