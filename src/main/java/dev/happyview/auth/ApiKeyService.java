package dev.happyview.auth;

import dev.happyview.api.ApiException;
import dev.happyview.api.Caller;
import dev.happyview.api.Authenticator;
import dev.happyview.store.Database;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Creates, checks and revokes admin API keys. */
public final class ApiKeyService implements Authenticator {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyService.class);
    private static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);
    /**
     * How long a key found active is believed without asking the database again: a dashboard polls several routes a
     * second, and under a flat-out backfill each lookup waits for a busy database. A key revoked through this process
     * stops working at once; one revoked through another process, within this long.
     */
    static final Duration CHECKED_FOR = Duration.ofSeconds(1);

    private record Checked(ApiKey key, long untilNanos) {}

    private final ApiKeyStore store;
    private final ConcurrentHashMap<UUID, Instant> lastTouched = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Checked> checked = new ConcurrentHashMap<>();

    public ApiKeyService(Database db) {
        this.store = new ApiKeyStore(db);
    }

    /** A new key; the raw secret is in the result and nowhere else. */
    public record CreatedKey(UUID id, String name, String key, String keyPrefix, List<String> permissions) {}

    /**
     * A key for {@code caller} to hand out: 400 for an unknown permission name, 403 for a permission the caller does
     * not hold. The names are kept in the order given.
     */
    public CreatedKey create(Caller caller, String name, List<String> permissionNames) throws SQLException {
        return create(name, PermissionNames.grantable(caller, permissionNames));
    }

    private CreatedKey create(String name, List<String> permissions) throws SQLException {
        String raw = ApiKeySecrets.generate();
        UUID id = UUID.randomUUID();
        store.insert(id, name, ApiKeySecrets.hash(raw), ApiKeySecrets.prefix(raw), permissions);
        return new CreatedKey(id, name, raw, ApiKeySecrets.prefix(raw), permissions);
    }

    /**
     * Makes sure an admin key with every permission exists. With a configured key, it is registered if new; without
     * one, a key is generated only when the table is empty. Returns the raw key when it was generated now.
     */
    public Optional<String> ensureBootstrapKey(String configuredKey) throws SQLException {
        var all = PermissionNames.ownNames();
        if (!configuredKey.isEmpty()) {
            if (!ApiKeySecrets.isWellFormed(configuredKey)) {
                throw new IllegalArgumentException("ADMIN_API_KEY must be hv_ followed by 32 lowercase hex characters");
            }
            String hash = ApiKeySecrets.hash(configuredKey);
            if (!store.existsByHash(hash)) {
                store.insert(UUID.randomUUID(), "bootstrap (ADMIN_API_KEY)", hash, ApiKeySecrets.prefix(configuredKey), all);
            }
            return Optional.empty();
        }
        if (store.count() > 0) return Optional.empty();
        return Optional.of(create("bootstrap", all).key());
    }

    /** The key named by an {@code Authorization} header, or a 401. */
    @Override
    public ApiKey authenticate(String authorizationHeader) {
        if (authorizationHeader == null || authorizationHeader.isBlank()) {
            throw ApiException.unauthorized("missing Authorization: Bearer <api key>");
        }
        String[] parts = authorizationHeader.trim().split("\\s+", 2);
        // HappyView's clients may send an API key under the DPoP scheme; it is the same key either way.
        if (parts.length != 2 || !(parts[0].equalsIgnoreCase("Bearer") || parts[0].equalsIgnoreCase("DPoP"))) {
            throw ApiException.unauthorized("Authorization must be 'Bearer <api key>' (or 'DPoP <api key>')");
        }
        String raw = parts[1].trim();
        if (!ApiKeySecrets.isWellFormed(raw)) throw ApiException.unauthorized("malformed API key");
        // Looked up by SHA-256 of the secret: no comparison ever branches on the secret's own bytes, so timing
        // reveals at most a prefix of a hash, which does not help guess a key.
        String hash = ApiKeySecrets.hash(raw);
        long now = System.nanoTime();
        Checked recent = checked.get(hash);
        if (recent != null && now - recent.untilNanos() < 0) return recent.key();
        ApiKey key;
        try {
            key = store.findActiveByHash(hash).orElseThrow(() -> {
                checked.remove(hash);
                return ApiException.unauthorized("unknown or revoked API key");
            });
        } catch (SQLException e) {
            throw ApiException.databaseUnavailable(e);
        }
        checked.put(hash, new Checked(key, now + CHECKED_FOR.toNanos()));
        touchLater(key.id());
        return key;
    }

    private void touchLater(UUID id) {
        Instant now = Instant.now();
        Instant previous = lastTouched.get(id);
        if (previous != null && previous.plus(TOUCH_INTERVAL).isAfter(now)) return;
        lastTouched.put(id, now);
        Thread.ofVirtual().start(() -> {
            try {
                store.touch(id);
            } catch (SQLException e) {
                log.debug("could not record key use: {}", e.toString());
            }
        });
    }

    public List<ApiKey> list() throws SQLException {
        return store.list();
    }

    /** True when revoked now or already revoked; false when no such key exists. */
    public boolean revoke(UUID id) throws SQLException {
        boolean revokedNow = store.revoke(id);
        checked.values().removeIf(c -> c.key().id().equals(id));
        return revokedNow || store.exists(id);
    }
}
