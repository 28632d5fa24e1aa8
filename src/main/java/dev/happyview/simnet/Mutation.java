package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A change made while the network runs, in the order it was applied. For {@code DELETE} {@code cid}
 * and {@code value} are null; for {@code REPO_CREATED}, {@code ACCOUNT_DELETED} (the account and all its records are
 * gone) and {@code MIGRATED} (the repo moved to another PDS; its DID document changed) collection, rkey, cid and
 * value are null.
 */
public record Mutation(Type type, String did, String collection, String rkey, String cid, JsonNode value, String rev) {
    public enum Type { CREATE, UPDATE, DELETE, REPO_CREATED, ACCOUNT_DELETED, MIGRATED }

    public String uri() {
        return collection == null ? "at://" + did : "at://" + did + "/" + collection + "/" + rkey;
    }
}
