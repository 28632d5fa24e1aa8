package dev.happyview.backfill;

import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The writes of one repo's fetch, whatever the strategy: rows go in as they are read and out to the sink in pages
 * without waiting for the database; {@link #finish()} waits until every page is committed, prunes, and says what was
 * stored. A record holding a NUL (which Postgres {@code jsonb} cannot store) is left out and named in the outcome.
 * With {@code prune}, every target collection is pruned to the record keys seen, so a collection the repo no longer
 * holds loses all its records.
 */
final class RepoWriteSession {
    /** Rows per page handed to the sink when the strategy does not end pages itself. */
    private static final int ROWS_PER_PAGE = 500;

    private final RecordSink sink;
    private final RecordWriter writer;
    private final RepoWork work;
    private final List<CompletableFuture<Void>> written = new ArrayList<>();
    private final List<RecordRow> pending = new ArrayList<>();
    private final List<String> refused = new ArrayList<>();
    private final Map<String, Set<String>> seen = new HashMap<>();
    private int stored;
    private String rev;
    private boolean exactRev;
    private String data;

    RepoWriteSession(RecordSink sink, RecordWriter writer, RepoWork work) {
        this.sink = sink;
        this.writer = writer;
        this.work = work;
    }

    /**
     * The revision the strategy reads the repo at, told before the first record: exact for a CAR's commit, a lower
     * bound for a listing after {@code getLatestCommit}; {@code data} is the CAR commit's MST root (null for a listing).
     * Rows carry the revision; pruning removes only rows read at or before it.
     */
    void readAt(String rev, boolean exact, String data) {
        this.rev = rev;
        this.exactRev = exact;
        this.data = data;
    }

    /** The revision told by {@link #readAt}. */
    String rev() {
        return rev;
    }

    /** Adds one record of the repo; blocks while the sink is full. */
    void add(RecordRow row) throws InterruptedException {
        if (RecordRow.hasNul(row.recordJson())) {
            refused.add(row.uri());
            return;
        }
        pending.add(row);
        stored++;
        if (work.prune()) seen.computeIfAbsent(row.collection(), c -> new HashSet<>()).add(row.rkey());
        if (pending.size() >= ROWS_PER_PAGE) endPage();
    }

    /** Hands the rows added since the last page to the sink. */
    void endPage() throws InterruptedException {
        if (pending.isEmpty()) return;
        written.add(sink.submit(List.copyOf(pending)));
        pending.clear();
    }

    /** Waits until every row is committed, then prunes; the outcome is what the repo's row records. */
    Fetched finish() throws RepoFetchException, InterruptedException {
        endPage();
        try {
            CompletableFuture.allOf(written.toArray(CompletableFuture[]::new)).get();
        } catch (ExecutionException e) {
            throw RepoFetchException.transientFailure("writing records failed: " + e.getCause().getMessage(), e.getCause());
        }
        if (work.prune()) {
            for (String collection : work.collections()) {
                try {
                    writer.deleteMissing(work.did(), collection, seen.getOrDefault(collection, Set.of()), rev);
                } catch (Exception e) {
                    throw RepoFetchException.transientFailure("pruning failed: " + e.getMessage(), e);
                }
            }
        }
        return new Fetched(stored, refused, rev, exactRev, data);
    }
}
