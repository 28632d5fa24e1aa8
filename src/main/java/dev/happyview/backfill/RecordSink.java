package dev.happyview.backfill;

import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coalesces the pages of many repos into large write batches. Fetchers hand pages over without waiting for the
 * database (so a repo's page chain is not slowed by commits) and wait only once, before marking the repo done. The
 * rows queued or being written are bounded (a count of rows, not of pages: a page from a CAR holds five times the rows
 * of a listRecords page), so a slow database slows the fetchers instead of filling the heap.
 */
final class RecordSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordSink.class);

    private record Page(List<RecordRow> rows, CompletableFuture<Void> written, int permits) {}

    private final RecordWriter writer;
    private final Database db;
    private final BlockingQueue<Page> queue = new LinkedBlockingQueue<>();
    private final Semaphore rowsInFlight;
    private final int maxRowsInFlight;
    private final int batchRows;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean closed;

    RecordSink(RecordWriter writer, Database db, int writerThreads, int batchRows, int maxRowsInFlight) {
        this.writer = writer;
        this.db = db;
        this.batchRows = batchRows;
        this.maxRowsInFlight = maxRowsInFlight;
        this.rowsInFlight = new Semaphore(maxRowsInFlight);
        for (int i = 0; i < writerThreads; i++) {
            writers.add(Thread.ofPlatform().daemon().name("record-writer-" + i).start(this::drain));
        }
    }

    /** Queues rows for writing; blocks while too many rows are in flight. The future completes when they are committed. */
    CompletableFuture<Void> submit(List<RecordRow> rows) throws InterruptedException {
        if (rows.isEmpty()) return CompletableFuture.completedFuture(null);
        if (closed) throw new IllegalStateException("record sink closed");
        int permits = Math.min(rows.size(), maxRowsInFlight);
        rowsInFlight.acquire(permits);
        var page = new Page(rows, new CompletableFuture<>(), permits);
        queue.add(page);
        return page.written();
    }

    private void drain() {
        var batch = new ArrayList<Page>();
        while (!closed || !queue.isEmpty()) {
            try {
                Page first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                batch.add(first);
                int rows = first.rows().size();
                Page next;
                while (rows < batchRows && (next = queue.poll()) != null) {
                    batch.add(next);
                    rows += next.rows().size();
                }
                write(batch, rows);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                for (Page p : batch) rowsInFlight.release(p.permits());
                batch.clear();
            }
        }
    }

    private void write(List<Page> batch, int rowCount) {
        var rows = new ArrayList<RecordRow>(rowCount);
        for (Page p : batch) rows.addAll(p.rows());
        try {
            upsert(rows);
            for (Page p : batch) p.written().complete(null);
        } catch (Exception e) {
            if (batch.size() == 1 || !isDataError(e)) {
                // One page, or the database itself is unavailable: writing pages one by one cannot help.
                for (Page p : batch) p.written().completeExceptionally(e);
                return;
            }
            // One page's bad data must not fail the other repos of the batch: write the pages one by one.
            log.warn("record batch of {} rows failed ({}); writing its {} pages separately", rowCount, e.toString(), batch.size());
            for (Page p : batch) {
                try {
                    upsert(p.rows());
                    p.written().complete(null);
                } catch (Exception pageError) {
                    p.written().completeExceptionally(pageError);
                }
            }
        }
    }

    private void upsert(List<RecordRow> rows) throws SQLException {
        try (var c = db.connection()) {
            writer.upsert(c, rows);
        }
    }

    /** A statement rejected for its data (SQLSTATE class 22 or 23), as opposed to a lost or busy database. */
    private static boolean isDataError(Exception e) {
        if (!(e instanceof SQLException sql) || sql.getSQLState() == null) return false;
        return sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23");
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : writers) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
