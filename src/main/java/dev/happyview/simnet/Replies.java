package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The JSON answers every simulated server gives: a document, an XRPC error, or "no such method". */
final class Replies {
    static final ObjectMapper JSON = new ObjectMapper();

    private Replies() {}

    static SimHost.Response json(JsonNode node) {
        return SimHost.Response.json(200, bytes(node));
    }

    static SimHost.Response xrpcError(int status, String error, String message) {
        return SimHost.Response.json(status, bytes(JSON.createObjectNode().put("error", error).put("message", message)));
    }

    /** A PLC-style error: {@code {"message"}} only. */
    static SimHost.Response plcError(int status, String message) {
        return SimHost.Response.json(status, bytes(JSON.createObjectNode().put("message", message)));
    }

    static SimHost.Response notFound(SimHost.Request req) {
        if (req.path().startsWith("/xrpc/")) {
            return xrpcError(501, "MethodNotImplemented", "Method Not Implemented");
        }
        return xrpcError(404, "NotFound", "Not Found");
    }

    static byte[] bytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
