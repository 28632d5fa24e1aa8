package dev.happyview.records;

import dev.happyview.api.Permission;
import dev.happyview.api.Routes;
import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.Map;

/**
 * {@code GET /admin/stats}: record counts from the {@code records} table, and the counts of other features (backfill
 * jobs by status) through {@link JobCounts}, so this package knows nothing of the feature that supplies them.
 */
public final class StatsRoutes implements Routes.Module {
    /** Backfill jobs by status, supplied by the composition root. */
    @FunctionalInterface
    public interface JobCounts {
        Map<String, Long> byStatus() throws SQLException;
    }

    private final RecordQueries queries;
    private final JobCounts jobs;

    public StatsRoutes(Database db, JobCounts jobs) {
        this.queries = new RecordQueries(db);
        this.jobs = jobs;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/admin/stats", Permission.STATS_READ, (ctx, caller) -> {
            Map<String, Long> byCollection = queries.countsByCollection();
            ctx.json(Map.of(
                    "records", Map.of("total", byCollection.values().stream().mapToLong(Long::longValue).sum(),
                            "by_collection", byCollection),
                    "backfill_jobs", jobs.byStatus()));
        });
    }
}
