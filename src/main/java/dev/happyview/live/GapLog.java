package dev.happyview.live;

import dev.happyview.store.Database;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Gaps a live source knows it has ({@code live_gaps}): a cursor older than the source keeps, or refused by it. The
 * gap is recorded with the backfill started to repair it, and the cursor moves to where the stream starts again, in
 * one transaction.
 */
public final class GapLog {
    private final Database db;
    private final CursorStore cursors;

    public GapLog(Database db, CursorStore cursors) {
        this.db = db;
        this.cursors = cursors;
    }

    /** One recorded gap. */
    public record Gap(long id, String source, Long fromCursor, String reason, UUID jobId, Instant detectedAt) {}

    /** Records a gap and restarts the source's cursor at {@code restartAt}. */
    public void record(String source, Long fromCursor, String reason, UUID jobId, long restartAt) throws SQLException {
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            try (var st = c.prepareStatement(
                    "INSERT INTO live_gaps (source, from_cursor, reason, job_id) VALUES (?, ?, ?, ?)")) {
                st.setString(1, source);
                st.setObject(2, fromCursor);
                st.setString(3, reason);
                st.setObject(4, jobId);
                st.executeUpdate();
                cursors.reset(c, source, LivePipeline.PARTITIONS, restartAt);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The newest gaps first. */
    public List<Gap> recent(int limit) throws SQLException {
        try (var c = db.connection(); var st = c.prepareStatement(
                "SELECT id, source, from_cursor, reason, job_id, detected_at FROM live_gaps ORDER BY id DESC LIMIT ?")) {
            st.setInt(1, limit);
            var out = new ArrayList<Gap>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    long from = rs.getLong(3);
                    Long fromCursor = rs.wasNull() ? null : from;
                    Timestamp at = rs.getTimestamp(6);
                    out.add(new Gap(rs.getLong(1), rs.getString(2), fromCursor, rs.getString(4),
                            rs.getObject(5, UUID.class), at.toInstant()));
                }
            }
            return out;
        }
    }

    public long count() throws SQLException {
        try (var c = db.connection(); var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM live_gaps")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
