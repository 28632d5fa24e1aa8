package dev.happyview.protocol.identity;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.Optional;

/** What this service needs from a DID document: the PDS endpoint, the signing key and the claimed handle. */
public record DidDocument(String did, Optional<String> pdsEndpoint, Optional<VerificationKey> signingKey,
        Optional<String> handle) {

    /**
     * Extracts the atproto parts. {@code doc.id} must be the DID asked for. The PDS is the service whose id ends in
     * {@code #atproto_pds} (relative or absolute id); the key is the verification method whose id ends in
     * {@code #atproto}. Throws {@link IllegalArgumentException} for a document that is not one.
     */
    static DidDocument parse(String did, JsonNode doc) {
        if (doc == null || !doc.isObject()) throw new IllegalArgumentException("DID document is not a JSON object");
        if (!did.equals(doc.path("id").asText(null))) {
            throw new IllegalArgumentException("DID document id " + doc.path("id").asText("(none)") + " is not " + did);
        }
        Optional<String> pds = Optional.empty();
        for (JsonNode s : doc.path("service")) {
            String id = s.path("id").asText("");
            if ((id.equals("#atproto_pds") || id.equals(did + "#atproto_pds")) && s.path("serviceEndpoint").isTextual()) {
                pds = Optional.of(normalizeEndpoint(s.get("serviceEndpoint").asText()));
                break;
            }
        }
        Optional<VerificationKey> key = Optional.empty();
        for (JsonNode vm : doc.path("verificationMethod")) {
            String id = vm.path("id").asText("");
            if ((id.equals("#atproto") || id.equals(did + "#atproto")) && vm.path("publicKeyMultibase").isTextual()) {
                key = Optional.of(new VerificationKey(vm.path("type").asText(""), vm.get("publicKeyMultibase").asText()));
                break;
            }
        }
        Optional<String> handle = Optional.empty();
        for (JsonNode aka : doc.path("alsoKnownAs")) {
            String v = aka.asText("");
            if (v.startsWith("at://")) {
                handle = Optional.of(v.substring(5));
                break;
            }
        }
        return new DidDocument(did, pds, key, handle);
    }

    /** Scheme, host and port only; a PDS endpoint with a path, query or user info is not an endpoint. */
    private static String normalizeEndpoint(String s) {
        URI u;
        try {
            u = URI.create(s.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PDS endpoint is not a URL: " + s);
        }
        if (u.getScheme() == null || u.getHost() == null || u.getRawUserInfo() != null || u.getRawQuery() != null
                || !(u.getScheme().equals("https") || u.getScheme().equals("http"))
                || (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("PDS endpoint is not a plain http(s) origin: " + s);
        }
        return u.getScheme() + "://" + u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "");
    }
}
