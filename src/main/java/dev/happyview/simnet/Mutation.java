package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A change made while the network runs, in the order it was applied. For {@code DELETE} {@code cid}
 * and {@code value} are null; for {@code REPO_CREATED} collection, rkey, cid and value are null.
 */
public record Mutation(Type type, String did, String collection, String rkey, String cid, JsonNode value, String rev) {
    public enum Type { CREATE, UPDATE, DELETE, REPO_CREATED }

    public String uri() {
        return collection == null ? "at://" + did : "at://" + did + "/" + collection + "/" + rkey;
    }
}
