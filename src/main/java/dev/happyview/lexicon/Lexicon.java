package dev.happyview.lexicon;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A stored lexicon. {@code type} is its main definition's type ({@code record}, {@code query}, … or
 * {@code definitions}). {@code action}, {@code script}, {@code indexHook} and {@code tokenCost} are HappyView's fields:
 * kept and returned for its clients, not acted on here.
 */
public record Lexicon(String id, String type, boolean backfill, String targetCollection, String action, String script,
        String indexHook, Integer tokenCost, int revision, JsonNode lexiconJson, Instant createdAt, Instant updatedAt) {

    public boolean isRecord() {
        return type.equals("record");
    }

    /** A record lexicon uploaded with backfill on: a target of "all collections" jobs. */
    public boolean isBackfillEligible() {
        return isRecord() && backfill;
    }

    /** Without the document and the scripts, for the in-memory registry. */
    public Lexicon withoutDocument() {
        return new Lexicon(id, type, backfill, targetCollection, action, null, null, tokenCost, revision, null,
                createdAt, updatedAt);
    }
}
