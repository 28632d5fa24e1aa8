package dev.happyview.live;

import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * A live source's cursor ({@code live_cursors}): one row per applier partition, saved in the transaction of the writes
 * it covers. The stream resumes from the smallest, so whatever one partition had not committed is replayed (writes
 * are idempotent and ordered by revision, so replaying what another partition did commit changes nothing).
 */
public final class CursorStore {
    private final Database db;

    public CursorStore(Database db) {
        this.db = db;
    }

    public void save(Connection c, String source, int partition, long cursor) throws SQLException {
        try (var st = c.prepareStatement("""
                INSERT INTO live_cursors AS l (source, partition, cursor) VALUES (?, ?, ?)
                ON CONFLICT (source, partition) DO UPDATE SET cursor = greatest(l.cursor, EXCLUDED.cursor), updated_at = now()""")) {
            st.setString(1, source);
            st.setInt(2, partition);
            st.setLong(3, cursor);
            st.executeUpdate();
        }
    }

    /** Moves every partition to {@code cursor} (after a gap: the stream starts again from there). */
    public void reset(Connection c, String source, int partitions, long cursor) throws SQLException {
        try (var del = c.prepareStatement("DELETE FROM live_cursors WHERE source = ?")) {
            del.setString(1, source);
            del.executeUpdate();
        }
        for (int p = 0; p < partitions; p++) save(c, source, p, cursor);
    }

    /** Where to resume: the smallest partition cursor, or empty if the source never committed anything. */
    public OptionalLong resumePoint(String source) throws SQLException {
        try (var c = db.connection();
                var st = c.prepareStatement("SELECT min(cursor) FROM live_cursors WHERE source = ?")) {
            st.setString(1, source);
            try (var rs = st.executeQuery()) {
                rs.next();
                long v = rs.getLong(1);
                return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(v);
            }
        }
    }
}
