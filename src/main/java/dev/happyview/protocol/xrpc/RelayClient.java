package dev.happyview.protocol.xrpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** The relay's repo listings. The relay is configured by the operator, so it is a trusted host. */
public final class RelayClient {
    private final XrpcClient client;
    private final String relayUrl;

    public RelayClient(XrpcClient client, String relayUrl) {
        this.client = client;
        this.relayUrl = relayUrl;
    }

    /** One page of DIDs; {@code cursor} is null on the last page. */
    public record RepoPage(List<String> dids, String cursor) {}

    public RepoPage listReposByCollection(String collection, String cursor, int limit)
            throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("collection", collection);
        params.put("limit", Integer.toString(limit));
        params.put("cursor", cursor);
        JsonNode page = client.query(relayUrl, "com.atproto.sync.listReposByCollection", params, false);
        return new RepoPage(dids(page), cursorOf(page));
    }

    public RepoPage listRepos(String cursor, int limit) throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("limit", Integer.toString(limit));
        params.put("cursor", cursor);
        JsonNode page = client.query(relayUrl, "com.atproto.sync.listRepos", params, false);
        return new RepoPage(dids(page), cursorOf(page));
    }

    public JsonNode getRepoStatus(String did) throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("did", did);
        return client.query(relayUrl, "com.atproto.sync.getRepoStatus", params, false);
    }

    private static List<String> dids(JsonNode page) throws XrpcException {
        JsonNode repos = page.path("repos");
        if (!repos.isArray()) throw XrpcException.transientFailure(200, "InvalidResponse", "relay page has no repos array", null);
        var dids = new ArrayList<String>(repos.size());
        for (JsonNode r : repos) {
            if (r.path("did").isTextual()) dids.add(r.get("did").asText());
        }
        return dids;
    }

    static String cursorOf(JsonNode page) {
        JsonNode c = page.get("cursor");
        return c != null && c.isTextual() && !c.asText().isEmpty() ? c.asText() : null;
    }
}
