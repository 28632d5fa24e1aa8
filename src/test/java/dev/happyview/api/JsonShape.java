package dev.happyview.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON shape as a client's type declaration states it (field names and JSON types, nullable and optional fields),
 * checked against a response. Extra fields are allowed: a response must be a superset of the declared shape.
 */
sealed interface JsonShape {
    /** Every way {@code node} breaks the shape, as {@code path: problem} lines; empty when it fits. */
    default List<String> mismatches(JsonNode node) {
        var out = new ArrayList<String>();
        check("$", node, out);
        return out;
    }

    void check(String path, JsonNode node, List<String> out);

    JsonShape STRING = new Scalar("string");
    JsonShape INTEGER = new Scalar("integer");
    JsonShape BOOLEAN = new Scalar("boolean");
    JsonShape ANY_OBJECT = new Scalar("object");

    static JsonShape nullable(JsonShape shape) {
        return new Nullable(shape);
    }

    static JsonShape arrayOf(JsonShape element) {
        return new ArrayOf(element);
    }

    /** An object with these fields; {@code field?} marks an optional one. */
    static JsonShape object(Object... namesAndShapes) {
        var fields = new LinkedHashMap<String, JsonShape>();
        for (int i = 0; i < namesAndShapes.length; i += 2) {
            fields.put((String) namesAndShapes[i], (JsonShape) namesAndShapes[i + 1]);
        }
        return new ObjectOf(fields);
    }

    /** The same object with more fields. */
    static JsonShape extend(JsonShape base, Object... namesAndShapes) {
        var fields = new LinkedHashMap<>(((ObjectOf) base).fields());
        fields.putAll(((ObjectOf) object(namesAndShapes)).fields());
        return new ObjectOf(fields);
    }

    record Scalar(String type) implements JsonShape {
        @Override
        public void check(String path, JsonNode node, List<String> out) {
            boolean ok = switch (type) {
                case "string" -> node.isTextual();
                case "integer" -> node.isIntegralNumber();
                case "boolean" -> node.isBoolean();
                case "object" -> node.isObject();
                default -> throw new IllegalStateException(type);
            };
            if (!ok) out.add(path + ": expected " + type + ", got " + describe(node));
        }
    }

    record Nullable(JsonShape shape) implements JsonShape {
        @Override
        public void check(String path, JsonNode node, List<String> out) {
            if (!node.isNull()) shape.check(path, node, out);
        }
    }

    record ArrayOf(JsonShape element) implements JsonShape {
        @Override
        public void check(String path, JsonNode node, List<String> out) {
            if (!node.isArray()) {
                out.add(path + ": expected array, got " + describe(node));
                return;
            }
            for (int i = 0; i < node.size(); i++) element.check(path + "[" + i + "]", node.get(i), out);
        }
    }

    record ObjectOf(Map<String, JsonShape> fields) implements JsonShape {
        @Override
        public void check(String path, JsonNode node, List<String> out) {
            if (!node.isObject()) {
                out.add(path + ": expected object, got " + describe(node));
                return;
            }
            fields.forEach((name, shape) -> {
                boolean optional = name.endsWith("?");
                String field = optional ? name.substring(0, name.length() - 1) : name;
                JsonNode value = node.get(field);
                if (value == null) {
                    if (!optional) out.add(path + "." + field + ": missing");
                } else {
                    shape.check(path + "." + field, value, out);
                }
            });
        }
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        return node.getNodeType().name().toLowerCase() + " " + (text.length() > 60 ? text.substring(0, 60) + "…" : text);
    }
}
