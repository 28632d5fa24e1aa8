package dev.happyview.records;

import dev.happyview.api.Permission;
import dev.happyview.api.Routes;
import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code GET /admin/stats} in HappyView's shape: {@code total_records} and {@code collections}, a count for every
 * record lexicon (0 when nothing is indexed yet) and for any collection that still holds records without one (its
 * lexicon was deleted; {@code has_lexicon} tells them apart). Beside them, {@code backfill_jobs}: job counts by status.
 * The record lexicons and the job counts come from other features through the suppliers the composition root hands
 * in, so this package knows nothing of them. The counts may be a moment old while counting is expensive
 * ({@link CollectionCounts}).
 */
public final class StatsRoutes implements Routes.Module {
    /** Backfill jobs by status, supplied by the composition root. */
    @FunctionalInterface
    public interface JobCounts {
        Map<String, Long> byStatus() throws SQLException;
    }

    private final CollectionCounts counts;
    private final Supplier<List<String>> recordLexicons;
    private final JobCounts jobs;

    public StatsRoutes(Database db, Supplier<List<String>> recordLexicons, JobCounts jobs) {
        this.counts = new CollectionCounts(db);
        this.recordLexicons = recordLexicons;
        this.jobs = jobs;
    }

    record CollectionCount(String collection, long count, boolean hasLexicon) {}

    record Stats(long totalRecords, List<CollectionCount> collections, Map<String, Long> backfillJobs) {}

    @Override
    public void register(Routes routes) {
        routes.get("/admin/stats", Permission.STATS_READ, (ctx, caller) -> ctx.json(stats()));
    }

    Stats stats() throws SQLException {
        Map<String, Long> counts = this.counts.byCollection();
        Set<String> lexicons = Set.copyOf(recordLexicons.get());
        var names = new TreeSet<>(counts.keySet());
        names.addAll(lexicons);
        var collections = new ArrayList<CollectionCount>(names.size());
        long total = 0;
        for (String name : names) {
            long n = counts.getOrDefault(name, 0L);
            total += n;
            collections.add(new CollectionCount(name, n, lexicons.contains(name)));
        }
        return new Stats(total, collections, jobs.byStatus());
    }

}
