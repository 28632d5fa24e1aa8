package dev.happyview.store;

/** One record to index; {@code recordJson} is the record in the atproto JSON data model, already serialized. */
public record RecordRow(String uri, String did, String collection, String rkey, String cid, String recordJson) {}
