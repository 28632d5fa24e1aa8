package dev.happyview.tap;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecyclers;
import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import dev.happyview.protocol.syntax.CidSyntax;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.syntax.Nsid;
import dev.happyview.protocol.syntax.RecordKey;
import dev.happyview.protocol.syntax.Tid;
import dev.happyview.records.RecordRow;
import java.io.IOException;

/** One frame of Tap's channel, parsed exactly as Tap sends it. */
sealed interface TapEvent {
    long id();

    /** A record change; {@code recordJson} and {@code cid} are null for deletes. */
    record RecordEvent(long id, boolean live, String did, String collection, String rkey, String action, String cid,
            String recordJson, String rev) implements TapEvent {
        String uri() {
            return "at://" + did + "/" + collection + "/" + rkey;
        }
    }

    /** An identity change (note the snake_case {@code is_active} on the wire). */
    record IdentityEvent(long id, String did, String handle, boolean isActive, String status) implements TapEvent {}

    /** A frame that could not be used; acknowledged after it is stored (when it has an id). */
    record Unparseable(long id, String reason) implements TapEvent {}

    /**
     * Parses one frame in a single streaming pass; the record value is copied straight into compact JSON text for the
     * database instead of being built as a tree and serialized again (the hot path of Tap mode). Fields may come in
     * any order.
     */
    static TapEvent parse(String frame) {
        long id = -1;
        String type = null;
        RecordFields record = null;
        JsonNode identity = null;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(frame)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return new Unparseable(-1, "not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "id" -> id = t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            && p.getLongValue() >= 0 ? p.getLongValue() : -1;
                    case "type" -> type = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "record" -> record = t == JsonToken.START_OBJECT ? RecordFields.read(p) : skip(p, null);
                    case "identity" -> identity = t == JsonToken.START_OBJECT ? p.readValueAsTree() : skip(p, null);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) return new Unparseable(-1, "not JSON");
        } catch (IOException e) {
            return new Unparseable(-1, "not JSON");
        }
        if (id < 0) return new Unparseable(-1, "no event id");
        return switch (type == null ? "" : type) {
            case "record" -> record == null ? new Unparseable(id, "record event without a valid did") : record.event(id);
            case "identity" -> {
                JsonNode i = identity == null ? Json.MAPPER.missingNode() : identity;
                if (!Did.isValid(i.path("did").asText(null))) yield new Unparseable(id, "identity event without a valid did");
                yield new IdentityEvent(id, i.get("did").asText(), i.path("handle").asText(null),
                        i.path("is_active").asBoolean(false), i.path("status").asText(null));
            }
            default -> new Unparseable(id, "unknown event type " + (type == null ? "(none)" : type));
        };
    }

    /**
     * The frame's event id, read no further than that field (Tap writes it first); -1 if it has none. Lets the channel
     * recognise a redelivered event before it is queued again.
     */
    static long idOf(String frame) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(frame)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("id")) {
                    return t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            && p.getLongValue() >= 0 ? p.getLongValue() : -1;
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            return -1;
        }
        return -1;
    }

    private static <T> T skip(JsonParser p, T value) throws IOException {
        p.skipChildren();
        return value;
    }

    /** The fields of a {@code record} body as they stream by; the value is kept as JSON text. */
    final class RecordFields {
        private String did;
        private String rev;
        private String collection;
        private String rkey;
        private String action = "";
        private String cid;
        private boolean live;
        private String valueJson;

        static RecordFields read(JsonParser p) throws IOException {
            var r = new RecordFields();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                String text = t == JsonToken.VALUE_STRING ? p.getText() : null;
                switch (field) {
                    case "did" -> r.did = text;
                    case "rev" -> r.rev = text;
                    case "collection" -> r.collection = text;
                    case "rkey" -> r.rkey = text;
                    case "action" -> r.action = text == null ? "" : text;
                    case "cid" -> r.cid = text;
                    case "live" -> r.live = t == JsonToken.VALUE_TRUE;
                    case "record" -> r.valueJson = t == JsonToken.START_OBJECT ? copy(p) : skip(p, null);
                    default -> p.skipChildren();
                }
            }
            return r;
        }

        private static String copy(JsonParser p) throws IOException {
            var out = new SegmentedStringWriter(BufferRecyclers.getBufferRecycler());
            try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
                g.copyCurrentStructure(p);
            }
            return out.getAndClear();
        }

        TapEvent event(long id) {
            if (!Did.isValid(did)) return new Unparseable(id, "record event without a valid did");
            if (!Nsid.isValid(collection)) return new Unparseable(id, "record event without a valid collection");
            if (!RecordKey.isValid(rkey)) return new Unparseable(id, "record event without a valid rkey");
            if (!Tid.isValid(rev)) return new Unparseable(id, "record event without a valid rev");
            if (action.equals("delete")) return new RecordEvent(id, live, did, collection, rkey, action, null, null, rev);
            if (!action.equals("create") && !action.equals("update")) return new Unparseable(id, "unknown action " + action);
            if (!CidSyntax.isValid(cid)) return new Unparseable(id, action + " without a valid cid");
            if (valueJson == null) return new Unparseable(id, action + " without a record value");
            if (RecordRow.hasNul(valueJson)) return new Unparseable(id, "record contains a NUL character");
            return new RecordEvent(id, live, did, collection, rkey, action, cid, valueJson, rev);
        }
    }
}
