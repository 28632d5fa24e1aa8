package dev.happyview.protocol.identity;

import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.PublicKeys;
import dev.happyview.protocol.repo.RepoVerifier.SigningKeySource;
import dev.happyview.protocol.syntax.Did;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** Forgets an account's key and document (its identity changed). */
    public void invalidate(String did) {
        cache.remove(did);
        if (Did.isValid(did)) resolver.invalidate(Did.parse(did));
    }
}
