package dev.happyview.metrics;

import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Suppliers for the backfill gauges, read from Postgres at each scrape (two small GROUP BY queries). */
public final class BackfillGauges {
    private BackfillGauges() {}

    /** Jobs per status, every job ever created. */
    public static Supplier<Map<String, Long>> jobsByStatus(Database db) {
        return () -> counts(db, "SELECT status, count(*) FROM backfill_jobs GROUP BY status");
    }

    /** Repos per state, of jobs that have not ended (ended jobs' repos would only grow the query). */
    public static Supplier<Map<String, Long>> reposByState(Database db) {
        return () -> counts(db, "SELECT r.status, count(*) FROM backfill_repos r JOIN backfill_jobs j ON j.id = r.job_id"
                + " WHERE j.status IN ('pending', 'running', 'cancelling') GROUP BY r.status");
    }

    private static Map<String, Long> counts(Database db, String sql) {
        try (var c = db.connection(); var st = c.prepareStatement(sql); var rs = st.executeQuery()) {
            var out = new LinkedHashMap<String, Long>();
            while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
