package dev.happyview.backfill;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a job gets its records: fetched from each PDS by this service, or handed to another service (Tap). */
public enum BackfillMode {
    DIRECT, TAP;

    @JsonValue
    public String wire() {
        return name().toLowerCase();
    }

    public static BackfillMode fromWire(String s) {
        return valueOf(s.toUpperCase());
    }

    /** The {@code BACKFILL_MODE} setting, refused with a message naming the valid values. */
    public static BackfillMode parse(String setting) {
        for (var m : values()) {
            if (m.wire().equals(setting)) return m;
        }
        throw new IllegalArgumentException("BACKFILL_MODE must be direct or tap, got '" + setting + "'");
    }
}
