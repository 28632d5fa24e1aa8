package dev.happyview.lexicon;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** A stored lexicon. {@code type} is its main definition's type ({@code record}, {@code query}, … or {@code definitions}). */
public record Lexicon(String id, String type, boolean backfill, String targetCollection, int revision,
        JsonNode lexiconJson, Instant createdAt, Instant updatedAt) {

    public boolean isRecord() {
        return type.equals("record");
    }

    /** A record lexicon uploaded with backfill on: a target of "all collections" jobs. */
    public boolean isBackfillEligible() {
        return isRecord() && backfill;
    }

    /** The list view omits the document itself. */
    public Lexicon withoutDocument() {
        return new Lexicon(id, type, backfill, targetCollection, revision, null, createdAt, updatedAt);
    }
}
