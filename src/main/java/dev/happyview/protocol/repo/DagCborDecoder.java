package dev.happyview.protocol.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;

/**
 * Decodes untrusted DAG-CBOR into the atproto JSON data model as a Jackson tree: links become
 * {@code {"$link": "bafy…"}}, byte strings {@code {"$bytes": "<base64, no padding>"}}, blobs stay the
 * nested objects they are.
 *
 * <p>Strictness (see {@link DagCborReader} for the byte level): floats, undefined, indefinite lengths,
 * tags other than 42, non-text map keys, duplicate map keys, integers beyond signed 64 bits, invalid
 * UTF-8 and trailing bytes are refused. Maps with a {@code $link} or {@code $bytes} key are refused as
 * well: their JSON form would be mistaken for (or be) a malformed link or bytes. Non-canonical key
 * order and non-shortest heads are accepted (the CID authenticates the exact bytes either way).
 * Semantic data-model rules ({@code $type} non-empty, blob shape) are left to lexicon validation, so one
 * odd but well-formed record does not make a whole repo unreadable; {@link DagCborEncoder} does enforce
 * them on the JSON it is given.
 *
 * <p>Integers become {@code IntNode} when they fit in an int and {@code LongNode} otherwise, as
 * Jackson's own JSON parser does, so decoded trees compare equal to trees parsed from JSON text.
 */
public final class DagCborDecoder {
    /** Bounds for one decoded value. */
    public record Limits(int maxBytes, int maxDepth, int maxItems) {
        /** 2 MiB (the firehose and CAR block cap), 64 levels, 262,144 items. */
        public static final Limits DEFAULT = new Limits(2 * 1024 * 1024, 64, 262_144);
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Base64.Encoder BASE64 = Base64.getEncoder().withoutPadding();

    private final DagCborReader in;
    private final int maxDepth;

    private DagCborDecoder(DagCborReader in, int maxDepth) {
        this.in = in;
        this.maxDepth = maxDepth;
    }

    public static JsonNode decode(byte[] data) {
        return decode(data, 0, data.length, Limits.DEFAULT);
    }

    public static JsonNode decode(byte[] data, int offset, int length, Limits limits) {
        if (length > limits.maxBytes()) {
            throw DagCborException.limit("DAG-CBOR value of " + length + " bytes exceeds " + limits.maxBytes());
        }
        DagCborReader reader = new DagCborReader(data, offset, length, limits.maxItems());
        JsonNode value = new DagCborDecoder(reader, limits.maxDepth()).value(1);
        reader.expectEnd();
        return value;
    }

    private JsonNode value(int depth) {
        return switch (in.peek()) {
            case INTEGER -> {
                long v = in.readInteger();
                yield v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
            }
            case TEXT -> NODES.textNode(in.readText());
            case BYTES -> NODES.objectNode().put("$bytes", BASE64.encodeToString(in.readBytes()));
            case LINK -> NODES.objectNode().put("$link", in.readLink().toString());
            case BOOLEAN -> NODES.booleanNode(in.readBoolean());
            case NULL -> {
                in.readNull();
                yield NODES.nullNode();
            }
            case ARRAY -> array(depth);
            case MAP -> map(depth);
        };
    }

    private ArrayNode array(int depth) {
        checkDepth(depth);
        int n = in.readArrayHeader();
        ArrayNode array = NODES.arrayNode();
        for (int i = 0; i < n; i++) {
            array.add(value(depth + 1));
        }
        return array;
    }

    private ObjectNode map(int depth) {
        checkDepth(depth);
        int n = in.readMapHeader();
        ObjectNode map = NODES.objectNode();
        for (int i = 0; i < n; i++) {
            if (in.peek() != DagCborReader.Type.TEXT) {
                throw DagCborException.malformed("map keys must be text strings, found " + in.peek());
            }
            String key = in.readText();
            if (key.equals("$link") || key.equals("$bytes")) {
                throw DagCborException.malformed("map key \"" + key + "\" is reserved for links and bytes");
            }
            if (map.has(key)) {
                throw DagCborException.malformed("duplicate map key \"" + key + "\"");
            }
            map.set(key, value(depth + 1));
        }
        return map;
    }

    private void checkDepth(int depth) {
        if (depth > maxDepth) {
            throw DagCborException.limit("DAG-CBOR nesting deeper than " + maxDepth);
        }
    }
}
