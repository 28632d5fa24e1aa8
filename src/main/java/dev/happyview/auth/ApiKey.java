package dev.happyview.auth;

import dev.happyview.api.Caller;
import dev.happyview.api.Permission;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A stored API key: never the secret, only its SHA-256 and a display prefix. {@code permissions} are the names it was
 * created with, in that order, HappyView's inert ones included ({@link PermissionNames}).
 */
public record ApiKey(
        UUID id,
        String name,
        String keyPrefix,
        List<String> permissions,
        Instant createdAt,
        Instant lastUsedAt,
        Instant revokedAt) implements Caller {

    @Override
    public boolean allows(Permission p) {
        return permissions.contains(p.wire);
    }
}
