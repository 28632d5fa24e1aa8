package dev.happyview.backfill;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * One repo's state within a job. {@code pending} (discovered) → {@code resolved} (PDS known) → {@code completed};
 * {@code skipped} for permanent conditions (repo gone, DID not found, no PDS); {@code failed} when transient errors
 * outlasted the retries; {@code handed_off} in Tap mode.
 */
public enum RepoStatus {
    PENDING, RESOLVED, COMPLETED, SKIPPED, FAILED, HANDED_OFF;

    @JsonValue
    public String wire() {
        return name().toLowerCase();
    }

    public static RepoStatus fromWire(String s) {
        return valueOf(s.toUpperCase());
    }
}
