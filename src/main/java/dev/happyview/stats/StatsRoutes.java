package dev.happyview.stats;

import dev.happyview.api.Routes;
import dev.happyview.auth.Permission;
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
 * lexicon was deleted; {@code has_lexicon} tells them apart). This service's backfill job counts by status come
 * beside them in {@code backfill_jobs}.
 */
public final class StatsRoutes implements Routes.Module {
    /** A count per key, read from the database when the route is called. */
    @FunctionalInterface
    public interface Counts {
        Map<String, Long> get() throws SQLException;
    }

    private final Counts recordsByCollection;
    private final Supplier<List<String>> recordLexicons;
    private final Counts jobsByStatus;

    public StatsRoutes(Counts recordsByCollection, Supplier<List<String>> recordLexicons, Counts jobsByStatus) {
        this.recordsByCollection = recordsByCollection;
        this.recordLexicons = recordLexicons;
        this.jobsByStatus = jobsByStatus;
    }

    record CollectionCount(String collection, long count, boolean hasLexicon) {}

    record Stats(long totalRecords, List<CollectionCount> collections, Map<String, Long> backfillJobs) {}

    @Override
    public void register(Routes routes) {
        routes.get("/admin/stats", Permission.STATS_READ, (ctx, caller) -> ctx.json(stats()));
    }

    Stats stats() throws SQLException {
        Map<String, Long> counts = recordsByCollection.get();
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
        return new Stats(total, collections, jobsByStatus.get());
    }
}
