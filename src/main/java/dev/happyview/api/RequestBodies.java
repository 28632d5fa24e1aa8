package dev.happyview.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.happyview.Json;
import io.javalin.http.Context;
import java.util.stream.Collectors;

/** Parses JSON request bodies strictly and turns every parse problem into a 400 that names the field. */
public final class RequestBodies {
    private RequestBodies() {}

    public static <T> T parse(Context ctx, Class<T> type) {
        JsonNode tree = tree(ctx);
        try {
            return Json.STRICT.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw ApiException.badRequest("unknown field '" + e.getPropertyName() + "'");
        } catch (InvalidFormatException e) {
            throw ApiException.badRequest("field '" + path(e) + "' has the wrong type or value");
        } catch (MismatchedInputException e) {
            throw ApiException.badRequest("field '" + path(e) + "' has the wrong type");
        } catch (JsonMappingException e) {
            // A number out of range for its field, for one.
            String field = path(e);
            if (field.equals("(body)")) throw ApiException.badRequest("invalid request body: " + e.getOriginalMessage());
            throw ApiException.badRequest("field '" + field + "' is out of range or malformed");
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid request body: " + e.getOriginalMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** The body as a JSON object; an empty body counts as {}. */
    public static JsonNode tree(Context ctx) {
        String body = ctx.body();
        if (body.isBlank()) return Json.MAPPER.createObjectNode();
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw ApiException.badRequest("request body must be a JSON object");
        return node;
    }

    private static String path(JsonMappingException e) {
        String p = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."));
        return p.isEmpty() ? "(body)" : p;
    }
}
