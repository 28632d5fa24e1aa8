package dev.happyview.lexicon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.syntax.Nsid;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Checks the shape of a lexicon document (not every schema rule: HappyView stores and serves lexicons, it does not
 * validate records against them). Returns the type of {@code defs.main}, or {@code definitions} when there is none.
 */
final class LexiconValidator {
    /** Types a lexicon's primary ({@code main}) definition may have and no other definition may. */
    private static final Set<String> PRIMARY = Set.of("record", "query", "procedure", "subscription", "permission-set");
    /** Types any named definition may have. */
    private static final Set<String> SHARED = Set.of("token", "object", "array", "string", "integer", "boolean",
            "bytes", "cid-link", "blob", "permission");
    private static final Set<String> RECORD_KEYS = Set.of("tid", "nsid", "any");

    private LexiconValidator() {}

    /** A problem with the document; the message names the field. */
    static final class InvalidLexicon extends Exception {
        InvalidLexicon(String message) {
            super(message);
        }
    }

    static String validate(JsonNode doc) throws InvalidLexicon {
        if (doc == null || !doc.isObject()) throw new InvalidLexicon("field 'lexicon_json' must be a JSON object");
        JsonNode version = doc.get("lexicon");
        if (version == null || !version.isIntegralNumber() || version.asInt() != 1) {
            throw new InvalidLexicon("field 'lexicon_json.lexicon' must be the number 1");
        }
        JsonNode id = doc.get("id");
        if (id == null || !id.isTextual() || !Nsid.isValid(id.asText())) {
            throw new InvalidLexicon("field 'lexicon_json.id' must be a valid NSID");
        }
        JsonNode defs = doc.get("defs");
        if (defs == null || !defs.isObject()) throw new InvalidLexicon("field 'lexicon_json.defs' must be an object");
        String mainType = "definitions";
        for (Iterator<Map.Entry<String, JsonNode>> it = defs.fields(); it.hasNext(); ) {
            var def = it.next();
            String name = def.getKey();
            JsonNode body = def.getValue();
            String field = "lexicon_json.defs." + name;
            if (!body.isObject() || !body.path("type").isTextual()) {
                throw new InvalidLexicon("field '" + field + ".type' is required");
            }
            String type = body.get("type").asText();
            boolean main = name.equals("main");
            if (PRIMARY.contains(type)) {
                if (!main) throw new InvalidLexicon("field '" + field + "': a " + type + " definition must be named main");
            } else if (!SHARED.contains(type)) {
                throw new InvalidLexicon("field '" + field + ".type': '" + type + "' is not allowed as a definition");
            }
            if (type.equals("record")) checkRecord(body, field);
            if (main) mainType = type;
        }
        return mainType;
    }

    private static void checkRecord(JsonNode def, String field) throws InvalidLexicon {
        JsonNode key = def.get("key");
        if (key == null || !key.isTextual()
                || !(RECORD_KEYS.contains(key.asText()) || key.asText().startsWith("literal:"))) {
            throw new InvalidLexicon("field '" + field + ".key' must be tid, nsid, any or literal:<value>");
        }
        JsonNode record = def.get("record");
        if (record == null || !record.isObject() || !"object".equals(record.path("type").asText(null))) {
            throw new InvalidLexicon("field '" + field + ".record' must be an object schema with type \"object\"");
        }
    }
}
