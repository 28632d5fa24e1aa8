package dev.happyview.protocol.xrpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.BufferRecyclers;
import java.io.IOException;
import java.util.ArrayList;

/**
 * Reads a {@code listRecords} answer in one streaming pass: each record value is copied straight into compact JSON
 * text for the database, without building a tree and serializing it again (the hot path of a listing backfill).
 */
final class ListRecordsParser {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private ListRecordsParser() {}

    static PdsClient.RecordPage parse(byte[] body) throws IOException {
        var records = new ArrayList<PdsClient.ListedRecord>();
        String cursor = null;
        boolean sawRecords = false;
        try (JsonParser p = FACTORY.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("records") && t == JsonToken.START_ARRAY) {
                    sawRecords = true;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (p.currentToken() != JsonToken.START_OBJECT) throw new IllegalArgumentException("record is not an object");
                        records.add(record(p));
                    }
                } else if (field.equals("cursor") && t == JsonToken.VALUE_STRING) {
                    cursor = p.getText().isEmpty() ? null : p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IllegalArgumentException("trailing data after the answer");
            }
        }
        if (!sawRecords) throw new IllegalArgumentException("no records array");
        return new PdsClient.RecordPage(records, cursor);
    }

    private static PdsClient.ListedRecord record(JsonParser p) throws IOException {
        String uri = null;
        String cid = null;
        String value = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "uri" -> uri = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "cid" -> cid = t == JsonToken.VALUE_STRING ? p.getText() : null;
                case "value" -> {
                    if (t == JsonToken.START_OBJECT) value = copy(p);
                    else p.skipChildren();
                }
                default -> p.skipChildren();
            }
        }
        return new PdsClient.ListedRecord(uri, cid, value);
    }

    private static String copy(JsonParser p) throws IOException {
        var out = new SegmentedStringWriter(BufferRecyclers.getBufferRecycler());
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.copyCurrentStructure(p);
        }
        return out.getAndClear();
    }
}
