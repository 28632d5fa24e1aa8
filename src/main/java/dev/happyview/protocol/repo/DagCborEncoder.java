package dev.happyview.protocol.repo;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Encodes a value of the atproto JSON data model (a Jackson tree) as canonical DAG-CBOR.
 *
 * <p>{@code {"$link": cid}} becomes a tag-42 link and {@code {"$bytes": base64}} a byte string; both
 * must be the object's only key. Data-model rules are enforced as the tree is walked: no non-integral
 * numbers (an integral float such as {@code 123.0} is written as the integer it equals), a
 * {@code $type} must be a non-empty string, a {@code $type: "blob"} object needs a {@code ref} link, a
 * string {@code mimeType} and an integer {@code size}, strings must be valid Unicode. Nesting is capped
 * at {@link DagCborDecoder.Limits#DEFAULT}'s depth so that whatever we write we can read back.
 */
public final class DagCborEncoder {
    private static final int MAX_DEPTH = DagCborDecoder.Limits.DEFAULT.maxDepth();
    private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    private final DagCborWriter out = new DagCborWriter();

    private DagCborEncoder() {}

    /** Encodes any data-model value. */
    public static byte[] encode(JsonNode value) {
        DagCborEncoder encoder = new DagCborEncoder();
        encoder.value(value, 1);
        return encoder.out.toByteArray();
    }

    /** Encodes a record: like {@link #encode} but the top level must be an object. */
    public static byte[] encodeRecord(JsonNode record) {
        if (record == null || !record.isObject()) {
            throw DagCborException.malformed("a record must be a JSON object");
        }
        return encode(record);
    }

    private void value(JsonNode node, int depth) {
        switch (node.getNodeType()) {
            case NULL, MISSING -> out.nullValue();
            case BOOLEAN -> out.bool(node.booleanValue());
            case STRING -> out.utf8(utf8(node.textValue()));
            case NUMBER -> out.integer(integerOf(node));
            case ARRAY -> {
                checkDepth(depth);
                out.arrayHeader(node.size());
                for (JsonNode item : node) {
                    value(item, depth + 1);
                }
            }
            case OBJECT -> object(node, depth);
            case BINARY, POJO -> throw DagCborException.malformed("unsupported JSON node type " + node.getNodeType());
        }
    }

    private void object(JsonNode node, int depth) {
        checkDepth(depth);
        if (node.has("$link")) {
            out.link(linkOf(node));
            return;
        }
        if (node.has("$bytes")) {
            out.bytes(bytesOf(node));
            return;
        }
        checkTypedObject(node);
        List<Map.Entry<byte[], JsonNode>> entries = new ArrayList<>(node.size());
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            entries.add(Map.entry(utf8(field.getKey()), field.getValue()));
        }
        entries.sort(Map.Entry.comparingByKey(DagCborWriter.KEY_ORDER));
        out.mapHeader(entries.size());
        for (Map.Entry<byte[], JsonNode> entry : entries) {
            out.utf8(entry.getKey());
            value(entry.getValue(), depth + 1);
        }
    }

    /** Parses {@code {"$link": "bafy…"}}. */
    public static Cid linkOf(JsonNode node) {
        JsonNode link = node.get("$link");
        if (node.size() != 1 || link == null || !link.isTextual()) {
            throw DagCborException.malformed("$link must be the only key and hold a CID string");
        }
        try {
            return Cid.parse(link.textValue());
        } catch (IllegalArgumentException e) {
            throw new DagCborException(DagCborException.Kind.MALFORMED, e.getMessage(), e);
        }
    }

    private static byte[] bytesOf(JsonNode node) {
        JsonNode bytes = node.get("$bytes");
        if (node.size() != 1 || bytes == null || !bytes.isTextual()) {
            throw DagCborException.malformed("$bytes must be the only key and hold a base64 string");
        }
        try {
            return Base64.getDecoder().decode(bytes.textValue());
        } catch (IllegalArgumentException e) {
            throw new DagCborException(DagCborException.Kind.MALFORMED, "invalid base64 in $bytes", e);
        }
    }

    private static void checkTypedObject(JsonNode node) {
        JsonNode type = node.get("$type");
        if (type == null) {
            return;
        }
        if (!type.isTextual() || type.textValue().isEmpty()) {
            throw DagCborException.malformed("$type must be a non-empty string");
        }
        if (type.textValue().equals("blob")) {
            JsonNode ref = node.get("ref");
            JsonNode mimeType = node.get("mimeType");
            JsonNode size = node.get("size");
            if (ref == null || !ref.isObject() || !ref.has("$link")
                    || mimeType == null || !mimeType.isTextual()
                    || size == null || !size.isIntegralNumber()) {
                throw DagCborException.malformed("blob needs a ref link, a string mimeType and an integer size");
            }
        }
    }

    private static long integerOf(JsonNode node) {
        if (node.canConvertToExactIntegral() || node.isIntegralNumber()) {
            BigDecimal value = node.isIntegralNumber() ? new BigDecimal(node.bigIntegerValue()) : node.decimalValue();
            if (value.compareTo(LONG_MIN) >= 0 && value.compareTo(LONG_MAX) <= 0) {
                return value.longValueExact();
            }
            throw DagCborException.malformed("integer " + value + " outside the signed 64-bit range");
        }
        throw DagCborException.malformed("floats are not allowed in atproto data: " + node.asText());
    }

    private static byte[] utf8(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw DagCborException.malformed("string contains an unpaired surrogate");
            }
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw DagCborException.limit("nesting deeper than " + MAX_DEPTH);
        }
    }
}
