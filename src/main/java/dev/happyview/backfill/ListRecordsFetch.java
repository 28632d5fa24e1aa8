package dev.happyview.backfill;

import dev.happyview.protocol.syntax.CidSyntax;
import dev.happyview.protocol.syntax.RecordKey;
import dev.happyview.protocol.xrpc.PdsClient;
import dev.happyview.records.RecordRow;
import java.util.HashSet;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * {@code com.atproto.repo.listRecords}, 100 records a page, one collection after another; each page is one page of
 * the repo's {@link RepoWriteSession}. The data is unauthenticated, so each record must name the repo and collection
 * that were asked for, and a cursor may not come back (a PDS paging in a circle would never finish). A listing ends
 * at an empty page, a page without a cursor, or — on a host that has shown it pages like the reference PDS — a page
 * shorter than the limit ({@link ListingEnds}).
 */
final class ListRecordsFetch implements FetchStrategy {
    static final int PAGE_SIZE = 100;

    private final PdsClient pds;
    private final Function<RepoWork, RepoWriteSession> sessions;
    private final ListingEnds ends;

    ListRecordsFetch(PdsClient pds, Function<RepoWork, RepoWriteSession> sessions, ListingEnds ends) {
        this.pds = pds;
        this.sessions = sessions;
        this.ends = ends;
    }

    @Override
    public String name() {
        return "list-records";
    }

    @Override
    public Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        return fetchFrom(work, latestRev(work), Map.of(), cancelled);
    }

    @Override
    public boolean complete(RepoWork work, ListingEnds.Completion completion) throws Exception {
        return ends.complete(work.pdsEndpoint(), work.did(), completion);
    }

    /**
     * Like {@link #fetch}, starting from first pages the caller already read (by collection) after taking the repo's
     * revision {@code rev}: the listing reflects at least that revision, so it tags every row.
     */
    Fetched fetchFrom(RepoWork work, String rev, Map<String, PdsClient.RecordPage> firstPages, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        var session = sessions.apply(work);
        session.readAt(rev, false, null);
        for (String collection : work.collections()) {
            String cursor = null;
            boolean afterShortPage = false;
            var cursors = new HashSet<String>();
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
                for (PdsClient.ListedRecord r : page.records()) session.add(toRow(work.did(), collection, r, rev));
                session.endPage();
                if (afterShortPage) ends.afterShortPage(work.pdsEndpoint(), page.records().isEmpty());
                String next = page.cursor();
                if (page.records().isEmpty() || next == null || next.isEmpty()) break;
                // A cursor given twice would page in a circle; the listing is then incomplete, so nothing is pruned.
                if (!cursors.add(next)) {
                    throw RepoFetchException.permanent("PDS repeated the listRecords cursor " + abbreviate(next)
                            + " for " + collection + ": the listing cannot finish");
                }
                afterShortPage = page.records().size() < PAGE_SIZE;
                if (!afterShortPage) ends.fullPage(work.pdsEndpoint());
                else if (ends.endsAtShortPage(work.pdsEndpoint(), work.did())) break;
                cursor = next;
            }
        }
        return session.finish();
    }

    /** The repo's current revision ({@code getLatestCommit}); asked before any page of the repo is read. */
    String latestRev(RepoWork work) throws RepoFetchException, InterruptedException {
        try {
            return pds.latestCommitRev(work.pdsEndpoint(), work.did());
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw Failures.classify("getLatestCommit", e);
        }
    }

    static RecordRow toRow(String did, String collection, PdsClient.ListedRecord r, String rev) throws RepoFetchException {
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
        return new RecordRow(uri, did, collection, rkey, r.cid(), r.valueJson(), rev);
    }

    private static String abbreviate(String s) {
        if (s == null) return "null";
        return s.length() > 120 ? s.substring(0, 120) + "…" : s;
    }
}
