package dev.happyview.protocol.repo;

import com.fasterxml.jackson.databind.JsonNode;

/** One verified record: its collection NSID, record key, CID and value in the atproto JSON data model. */
public record RepoRecord(String collection, String rkey, Cid cid, JsonNode value) {}
