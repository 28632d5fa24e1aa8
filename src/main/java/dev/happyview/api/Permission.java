package dev.happyview.api;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/** What an API key may do; the wire names are HappyView's. */
public enum Permission {
    LEXICONS_CREATE("lexicons:create"),
    LEXICONS_READ("lexicons:read"),
    LEXICONS_DELETE("lexicons:delete"),
    BACKFILL_CREATE("backfill:create"),
    BACKFILL_READ("backfill:read"),
    RECORDS_READ("records:read"),
    RECORDS_DELETE("records:delete"),
    RECORDS_DELETE_COLLECTION("records:delete-collection"),
    STATS_READ("stats:read"),
    API_KEYS_CREATE("api-keys:create"),
    API_KEYS_READ("api-keys:read"),
    API_KEYS_DELETE("api-keys:delete");

    @JsonValue
    public final String wire;

    Permission(String wire) {
        this.wire = wire;
    }

    public static Optional<Permission> fromWire(String s) {
        return Arrays.stream(values()).filter(p -> p.wire.equals(s)).findFirst();
    }
}
