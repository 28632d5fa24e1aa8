package dev.happyview.lexicon;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.Json;
import java.time.Instant;

/**
 * A lexicon as the admin API lists it, in HappyView's shape. {@code lexicon_type} uses HappyView's four kinds (a
 * subscription or permission set counts as {@code definitions}, as there); {@code source} is always {@code manual}
 * and {@code authority_did}/{@code last_fetched_at} null, since this service has no network lexicons.
 */
public record LexiconView(String id, int revision, String lexiconType, boolean backfill, String action,
        String targetCollection, boolean hasScript, boolean hasIndexHook, String source, String authorityDid,
        Instant lastFetchedAt, Instant createdAt, Instant updatedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode recordSchema, Integer tokenCost) {

    static LexiconView of(Lexicon l) {
        JsonNode schema = l.isRecord() && l.lexiconJson() != null ? l.lexiconJson().at("/defs/main/record") : null;
        return new LexiconView(l.id(), l.revision(), happyViewType(l.type()), l.backfill(), l.action(),
                l.targetCollection(), l.script() != null, l.indexHook() != null, "manual", null, null, l.createdAt(),
                l.updatedAt(), schema == null || schema.isMissingNode() ? null : schema, l.tokenCost());
    }

    /** One lexicon in full: the list fields plus the document and the scripts. */
    static ObjectNode detail(Lexicon l) {
        ObjectNode out = Json.MAPPER.valueToTree(of(l));
        out.set("lexicon_json", l.lexiconJson());
        out.put("script", l.script());
        out.put("index_hook", l.indexHook());
        return out;
    }

    private static String happyViewType(String type) {
        return switch (type) {
            case "record", "query", "procedure" -> type;
            default -> "definitions";
        };
    }
}
