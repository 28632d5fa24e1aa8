package dev.happyview.backfill;

import com.fasterxml.jackson.annotation.JsonValue;

/** A job's overall state: {@code pending → running → completed | failed}, or {@code cancelling → cancelled}. */
public enum JobStatus {
    PENDING, RUNNING, COMPLETED, FAILED, CANCELLING, CANCELLED;

    @JsonValue
    public String wire() {
        return name().toLowerCase();
    }

    public static JobStatus fromWire(String s) {
        return valueOf(s.toUpperCase());
    }

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
