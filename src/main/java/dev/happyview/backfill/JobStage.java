package dev.happyview.backfill;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The earliest phase with work left. Phases overlap (fetching starts as soon as the first repo is resolved), so a job
 * is in {@code discovering_repos} until the relay is exhausted even while records are already being written. A
 * failed or cancelled job keeps the phase it stopped in.
 */
public enum JobStage {
    PENDING, DISCOVERING_REPOS, RESOLVING_PDS, FETCHING_RECORDS, COMPLETED;

    @JsonValue
    public String wire() {
        return name().toLowerCase();
    }

    public static JobStage fromWire(String s) {
        return valueOf(s.toUpperCase());
    }
}
