package dev.happyview.backfill;

import dev.happyview.protocol.syntax.RecordKey;
import dev.happyview.protocol.syntax.CidSyntax;
import dev.happyview.protocol.xrpc.PdsClient;
import dev.happyview.store.RecordRow;
import dev.happyview.store.RecordWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

/**
 * {@code com.atproto.repo.listRecords}, 100 records a page, one collection after another. Pages go to the sink
 * without waiting for the database; the repo counts as fetched only after every page is committed. The data is
 * unauthenticated, so each record must name the repo and collection that were asked for. A listing ends at an empty
 * page, a page without a new cursor, or — on a host that has shown it pages like the reference PDS — a page shorter
 * than the limit ({@link ListingEnds}).
 */
final class ListRecordsFetch implements FetchStrategy {
    static final int PAGE_SIZE = 100;

    private final PdsClient pds;
    private final RecordSink sink;
    private final RecordWriter writer;
    private final ListingEnds ends;

    ListRecordsFetch(PdsClient pds, RecordSink sink, RecordWriter writer, ListingEnds ends) {
        this.pds = pds;
        this.sink = sink;
        this.writer = writer;
        this.ends = ends;
    }

    @Override
    public String name() {
        return "list-records";
    }

    @Override
    public Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        return fetchFrom(work, java.util.Map.of(), cancelled);
    }

    /** Like {@link #fetch}, starting from first pages the caller already read (by collection). */
    Fetched fetchFrom(RepoWork work, java.util.Map<String, PdsClient.RecordPage> firstPages, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        int count = 0;
        var refused = new ArrayList<String>();
        var written = new ArrayList<CompletableFuture<Void>>();
        for (String collection : work.collections()) {
            Set<String> seen = work.prune() ? new HashSet<>() : null;
            String cursor = null;
            boolean afterShortPage = false;
            while (true) {
                if (cancelled.getAsBoolean()) throw new CancelledException();
                PdsClient.RecordPage page = cursor == null ? firstPages.get(collection) : null;
                if (page == null) {
                    try {
                        page = pds.listRecords(work.pdsEndpoint(), work.did(), collection, cursor, PAGE_SIZE);
                    } catch (Exception e) {
                        throw Failures.classify("listRecords " + collection, e);
                    }
                }
                var rows = new ArrayList<RecordRow>(page.records().size());
                for (PdsClient.ListedRecord r : page.records()) {
                    RecordRow row = toRow(work.did(), collection, r);
                    if (RecordRow.hasNul(row.recordJson())) {
                        refused.add(row.uri());
                        continue;
                    }
                    rows.add(row);
                    if (seen != null) seen.add(row.rkey());
                }
                written.add(sink.submit(rows));
                count += rows.size();
                if (afterShortPage) ends.afterShortPage(work.pdsEndpoint(), page.records().isEmpty());
                String next = page.cursor();
                if (page.records().isEmpty() || next == null || next.isEmpty() || next.equals(cursor)) break;
                afterShortPage = page.records().size() < PAGE_SIZE;
                if (!afterShortPage) ends.fullPage(work.pdsEndpoint());
                else if (ends.endsAtShortPage(work.pdsEndpoint())) break;
                cursor = next;
            }
            if (seen != null) {
                awaitWritten(written);
                try {
                    writer.deleteMissing(work.did(), collection, seen);
                } catch (Exception e) {
                    throw RepoFetchException.transientFailure("pruning failed: " + e.getMessage(), e);
                }
            }
        }
        awaitWritten(written);
        return new Fetched(count, refused);
    }

    static RecordRow toRow(String did, String collection, PdsClient.ListedRecord r) throws RepoFetchException {
        // The record must live in the repo and collection asked for: only its record key is left to check.
        String prefix = "at://" + did + "/" + collection + "/";
        String uri = r.uri();
        if (uri == null || !uri.startsWith(prefix) || !RecordKey.isValid(uri.substring(prefix.length()))) {
            throw RepoFetchException.permanent("PDS returned a record of another repo or collection, or a bad URI: "
                    + abbreviate(uri));
        }
        String rkey = uri.substring(prefix.length());
        if (r.cid() == null || !CidSyntax.isValid(r.cid())) {
            throw RepoFetchException.permanent("PDS returned a record with an invalid CID: " + uri);
        }
        if (r.valueJson() == null) {
            throw RepoFetchException.permanent("PDS returned a record whose value is not an object: " + uri);
        }
        return new RecordRow(uri, did, collection, rkey, r.cid(), r.valueJson());
    }

    static void awaitWritten(List<CompletableFuture<Void>> written) throws RepoFetchException, InterruptedException {
        try {
            CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
            throw RepoFetchException.transientFailure("writing records failed: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static String abbreviate(String s) {
        if (s == null) return "null";
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
