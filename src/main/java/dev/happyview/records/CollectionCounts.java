package dev.happyview.records;

import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records per collection, for {@code /admin/stats}. Counting scans the whole {@code records} table, so its cost grows
 * with the index: while a count takes under {@value #CHEAP_MILLIS} ms every request counts anew and is exact; once it
 * costs more (a large index, or a backfill keeping the cores busy), requests get the last count at once and a count
 * runs in the background when that one is older than ten times what it took, so an operator polling the dashboard
 * never waits for a scan and scans never take more than a tenth of a core.
 */
final class CollectionCounts {
    private static final Logger log = LoggerFactory.getLogger(CollectionCounts.class);
    static final long CHEAP_MILLIS = 5;
    private static final long MIN_AGE_NANOS = 1_000_000_000L;

    private final Database db;
    private final long cheapNanos;
    private final ReentrantLock counting = new ReentrantLock();
    private volatile Map<String, Long> last;
    private volatile long countedAt;
    private volatile long tookNanos;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    CollectionCounts(Database db) {
        this(db, CHEAP_MILLIS);
    }

    /** {@code cheapMillis}: counts that took less are made anew for every request. */
    CollectionCounts(Database db, long cheapMillis) {
        this.db = db;
        this.cheapNanos = cheapMillis * 1_000_000;
    }

    Map<String, Long> byCollection() throws SQLException {
        Map<String, Long> cached = last;
        if (cached == null || tookNanos < cheapNanos) return count();
        if (System.nanoTime() - countedAt >= Math.max(MIN_AGE_NANOS, 10 * tookNanos) && refreshing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("collection-counts").start(() -> {
                try {
                    count();
                } catch (SQLException e) {
                    log.debug("counting records per collection failed: {}", e.toString());
                } finally {
                    refreshing.set(false);
                }
            });
        }
        return cached;
    }

    private Map<String, Long> count() throws SQLException {
        counting.lock();
        try {
            long t0 = System.nanoTime();
            var out = new LinkedHashMap<String, Long>();
            try (var c = db.connection(); var st = c.createStatement();
                    var rs = st.executeQuery("SELECT collection, count(*) FROM records GROUP BY collection")) {
                while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            }
            long now = System.nanoTime();
            tookNanos = now - t0;
            countedAt = now;
            last = Map.copyOf(out);
            return out;
        } finally {
            counting.unlock();
        }
    }
}
