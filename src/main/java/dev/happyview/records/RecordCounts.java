package dev.happyview.records;

import dev.happyview.store.Database;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/** How many records each collection holds (for {@code /admin/stats}). */
public final class RecordCounts {
    private final Database db;

    public RecordCounts(Database db) {
        this.db = db;
    }

    /** Collection → record count, for every collection with at least one record, sorted by collection. */
    public Map<String, Long> byCollection() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT collection, count(*) FROM records GROUP BY collection ORDER BY collection")) {
            var out = new LinkedHashMap<String, Long>();
            while (rs.next()) out.put(rs.getString(1), rs.getLong(2));
            return out;
        }
    }
}
