package dev.happyview.protocol.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the atproto interop test vectors copied (CC0) under src/test/resources/interop. */
public final class InteropVectors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private InteropVectors() {}

    public static JsonNode json(String path) {
        try (InputStream in = open(path)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String path) {
        try (InputStream in = open(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String path) {
        InputStream in = InteropVectors.class.getResourceAsStream("/interop/" + path);
        if (in == null) {
            throw new IllegalStateException("missing interop vector " + path);
        }
        return in;
    }
}
