package dev.happyview.live;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecyclers;
import dev.happyview.Json;
import dev.happyview.protocol.syntax.CidSyntax;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.syntax.Nsid;
import dev.happyview.protocol.syntax.RecordKey;
import dev.happyview.protocol.syntax.Tid;
import dev.happyview.records.RecordRow;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * One message of Jetstream's {@code /subscribe} stream, parsed as Jetstream sends it:
 * {@code {"did","time_us","kind":"commit"|"identity"|"account","commit":{"rev","operation","collection","rkey",
 * "record","cid"}, "identity":{…}, "account":{"active","status",…}}}. The frame text is kept: it is what the buffer
 * stores for a repo being backfilled.
 */
public sealed interface JetstreamEvent extends LiveEvent {
    String frame();

    @Override
    default long cursor() {
        return timeMicros();
    }

    @Override
    default byte[] payload() {
        return frame().getBytes(StandardCharsets.UTF_8);
    }

    enum Operation { CREATE, UPDATE, DELETE }

    /** A record change; {@code cid} and {@code recordJson} are null for deletes. */
    record Commit(String did, long timeMicros, String rev, Operation operation, String collection, String rkey,
            String cid, String recordJson, String frame) implements JetstreamEvent {
        public String uri() {
            return "at://" + did + "/" + collection + "/" + rkey;
        }
    }

    /** The DID document (handle, PDS, key) may have changed. */
    record Identity(String did, long timeMicros, String frame) implements JetstreamEvent {
        @Override
        public String rev() {
            return null;
        }
    }

    /** The account's hosting status changed; {@code status} is null when active. */
    record Account(String did, long timeMicros, boolean active, String status, String frame) implements JetstreamEvent {
        @Override
        public String rev() {
            return null;
        }
    }

    /** A message that cannot be used; {@code did} is null when it names no valid repo. */
    record Unusable(String did, long timeMicros, String reason, String frame) implements JetstreamEvent {
        @Override
        public String rev() {
            return null;
        }
    }

    /** Parses one message in a single streaming pass; the record value is copied as compact JSON text. */
    static JetstreamEvent parse(String frame) {
        var f = new Fields();
        try (JsonParser p = Json.MAPPER.getFactory().createParser(frame)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return new Unusable(null, -1, "not a JSON object", frame);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "did" -> f.did = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "time_us" -> f.timeUs = t == JsonToken.VALUE_NUMBER_INT
                            && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER ? p.getLongValue() : -1;
                    case "kind" -> f.kind = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "commit" -> {
                        if (t == JsonToken.START_OBJECT) f.readCommit(p);
                        else p.skipChildren();
                    }
                    case "account" -> {
                        if (t == JsonToken.START_OBJECT) f.readAccount(p);
                        else p.skipChildren();
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) return new Unusable(null, -1, "not JSON", frame);
        } catch (IOException e) {
            return new Unusable(null, -1, "not JSON", frame);
        }
        return f.event(frame);
    }

    /** The fields of a message as they stream by. */
    final class Fields {
        private String did;
        private long timeUs = -1;
        private String kind;
        private String rev;
        private String operation;
        private String collection;
        private String rkey;
        private String cid;
        private String recordJson;
        private boolean recordNotObject;
        private Boolean active;
        private String status;

        void readCommit(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                String text = t == JsonToken.VALUE_STRING ? p.getText() : null;
                switch (field) {
                    case "rev" -> rev = text;
                    case "operation" -> operation = text;
                    case "collection" -> collection = text;
                    case "rkey" -> rkey = text;
                    case "cid" -> cid = text;
                    case "record" -> {
                        if (t == JsonToken.START_OBJECT) {
                            recordJson = copy(p);
                        } else {
                            recordNotObject = t != JsonToken.VALUE_NULL;
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }

        void readAccount(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                switch (field) {
                    case "active" -> active = t == JsonToken.VALUE_TRUE ? Boolean.TRUE
                            : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
                    case "status" -> status = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> p.skipChildren();
                }
            }
        }

        private static String copy(JsonParser p) throws IOException {
            var out = new SegmentedStringWriter(BufferRecyclers.getBufferRecycler());
            try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
                g.copyCurrentStructure(p);
            }
            return out.getAndClear();
        }

        JetstreamEvent event(String frame) {
            if (timeUs < 0) return new Unusable(null, -1, "no time_us", frame);
            if (!Did.isValid(did)) return new Unusable(null, timeUs, "no valid did", frame);
            return switch (kind == null ? "" : kind) {
                case "commit" -> commit(frame);
                case "identity" -> new Identity(did, timeUs, frame);
                case "account" -> active == null ? new Unusable(did, timeUs, "account event without active", frame)
                        : new Account(did, timeUs, active, status, frame);
                default -> new Unusable(did, timeUs, "unknown kind " + (kind == null ? "(none)" : kind), frame);
            };
        }

        private JetstreamEvent commit(String frame) {
            if (!Tid.isValid(rev)) return new Unusable(did, timeUs, "commit without a valid rev", frame);
            if (!Nsid.isValid(collection)) return new Unusable(did, timeUs, "commit without a valid collection", frame);
            if (!RecordKey.isValid(rkey)) return new Unusable(did, timeUs, "commit without a valid rkey", frame);
            Operation op;
            switch (operation == null ? "" : operation) {
                case "create" -> op = Operation.CREATE;
                case "update" -> op = Operation.UPDATE;
                case "delete" -> {
                    return new Commit(did, timeUs, rev, Operation.DELETE, collection, rkey, null, null, frame);
                }
                default -> {
                    return new Unusable(did, timeUs, "unknown operation " + operation, frame);
                }
            }
            if (!CidSyntax.isValid(cid)) return new Unusable(did, timeUs, operation + " without a valid cid", frame);
            if (recordJson == null || recordNotObject) {
                return new Unusable(did, timeUs, operation + " without a record value", frame);
            }
            if (RecordRow.hasNul(recordJson)) return new Unusable(did, timeUs, "record contains a NUL character", frame);
            return new Commit(did, timeUs, rev, op, collection, rkey, cid, recordJson, frame);
        }
    }
}
