package dev.happyview.tap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.protocol.syntax.CidSyntax;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.syntax.Nsid;
import dev.happyview.protocol.syntax.RecordKey;

/** One frame of Tap's channel, parsed exactly as Tap sends it. */
sealed interface TapEvent {
    long id();

    /** A record change; {@code recordJson} and {@code cid} are null for deletes. */
    record RecordEvent(long id, boolean live, String did, String collection, String rkey, String action, String cid,
            String recordJson) implements TapEvent {
        String uri() {
            return "at://" + did + "/" + collection + "/" + rkey;
        }
    }

    /** An identity change (note the snake_case {@code is_active} on the wire). */
    record IdentityEvent(long id, String did, String handle, boolean isActive, String status) implements TapEvent {}

    /** A frame that could not be used; acknowledged after it is stored (when it has an id). */
    record Unparseable(long id, String reason) implements TapEvent {}

    static TapEvent parse(String frame) {
        JsonNode n;
        try {
            n = Json.MAPPER.readTree(frame);
        } catch (Exception e) {
            return new Unparseable(-1, "not JSON");
        }
        if (n == null || !n.isObject()) return new Unparseable(-1, "not a JSON object");
        long id = n.path("id").isIntegralNumber() && n.get("id").asLong() >= 0 ? n.get("id").asLong() : -1;
        if (id < 0) return new Unparseable(-1, "no event id");
        return switch (n.path("type").asText("")) {
            case "record" -> record(id, n.path("record"));
            case "identity" -> {
                JsonNode i = n.path("identity");
                if (!Did.isValid(i.path("did").asText(null))) yield new Unparseable(id, "identity event without a valid did");
                yield new IdentityEvent(id, i.get("did").asText(), i.path("handle").asText(null),
                        i.path("is_active").asBoolean(false), i.path("status").asText(null));
            }
            default -> new Unparseable(id, "unknown event type " + n.path("type").asText("(none)"));
        };
    }

    private static TapEvent record(long id, JsonNode r) {
        String did = r.path("did").asText(null);
        String collection = r.path("collection").asText(null);
        String rkey = r.path("rkey").asText(null);
        String action = r.path("action").asText("");
        if (!Did.isValid(did)) return new Unparseable(id, "record event without a valid did");
        if (!Nsid.isValid(collection)) return new Unparseable(id, "record event without a valid collection");
        if (!RecordKey.isValid(rkey)) return new Unparseable(id, "record event without a valid rkey");
        boolean live = r.path("live").asBoolean(false);
        if (action.equals("delete")) return new RecordEvent(id, live, did, collection, rkey, action, null, null);
        if (!action.equals("create") && !action.equals("update")) return new Unparseable(id, "unknown action " + action);
        String cid = r.path("cid").asText(null);
        if (!CidSyntax.isValid(cid)) return new Unparseable(id, action + " without a valid cid");
        JsonNode value = r.get("record");
        if (value == null || !value.isObject()) return new Unparseable(id, action + " without a record value");
        String json = value.toString();
        if (json.contains("\\u0000")) return new Unparseable(id, "record contains a NUL character");
        return new RecordEvent(id, live, did, collection, rkey, action, cid, json);
    }
}
