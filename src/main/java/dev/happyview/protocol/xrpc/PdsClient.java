package dev.happyview.protocol.xrpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.syntax.Tid;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/** Calls to a repo's PDS. PDS endpoints come from DID documents, so every call passes the outbound guard. */
public final class PdsClient {
    private final XrpcClient client;

    public PdsClient(XrpcClient client) {
        this.client = client;
    }

    /** The budget this host charges {@code listRecords} to, as far as known (empty before any request to it). */
    public Optional<HostBudget> listingBudget(String pds) {
        return client.budget(pds, "com.atproto.repo.listRecords");
    }

    /** The budget this host charges {@code getRepo} to: its own where the host announced one, else the host's. */
    public Optional<HostBudget> carBudget(String pds) {
        return client.budget(pds, "com.atproto.sync.getRepo");
    }

    /** One listed record; {@code valueJson} is the record value re-encoded compactly (null if absent). */
    public record ListedRecord(String uri, String cid, String valueJson) {}

    /** One page; {@code cursor} is null when the PDS gave none. */
    public record RecordPage(List<ListedRecord> records, String cursor) {}

    public RecordPage listRecords(String pds, String did, String collection, String cursor, int limit)
            throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("repo", did);
        params.put("collection", collection);
        params.put("limit", Integer.toString(limit));
        params.put("cursor", cursor);
        byte[] body = client.queryBytes(pds, "com.atproto.repo.listRecords", params, true);
        try {
            return ListRecordsParser.parse(body);
        } catch (IOException | IllegalArgumentException e) {
            throw XrpcException.transientFailure(200, "InvalidResponse", "listRecords answer is not valid: " + e.getMessage(), e);
        }
    }

    public JsonNode describeRepo(String pds, String did) throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("repo", did);
        return client.query(pds, "com.atproto.repo.describeRepo", params, true);
    }

    public JsonNode getRepoStatus(String pds, String did) throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("did", did);
        return client.query(pds, "com.atproto.sync.getRepoStatus", params, true);
    }

    /**
     * The revision of the repo's current commit ({@code com.atproto.sync.getLatestCommit}); a listing started after
     * this call reflects at least this revision.
     */
    public String latestCommitRev(String pds, String did) throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("did", did);
        JsonNode answer = client.query(pds, "com.atproto.sync.getLatestCommit", params, true);
        String rev = answer.path("rev").asText(null);
        if (!Tid.isValid(rev)) {
            throw XrpcException.transientFailure(200, "InvalidResponse", "getLatestCommit answer has no valid rev", null);
        }
        return rev;
    }

    /** The whole repo as a CAR stream (gzip-decoded, size-capped, idle-timed-out); the caller closes it. */
    public InputStream getRepo(String pds, String did) throws XrpcException, InterruptedException {
        var params = new LinkedHashMap<String, String>();
        params.put("did", did);
        return client.queryStream(pds, "com.atproto.sync.getRepo", params, true);
    }
}
