package dev.happyview.sync;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The durable queue of live events whose repo is being backfilled ({@code live_buffer}). Events are appended in the
 * transaction that would otherwise have applied them (with the source's cursor), and taken, in arrival order, by the
 * hand-off once the backfill's writes have committed.
 */
public final class LiveBuffer {
    /** One event to keep: {@code rev} may be null for events without one (account, identity). */
    public record Entry(String did, String rev, byte[] payload) {}

    /** Appends events in the caller's transaction, in list order. */
    public void append(Connection c, String source, List<Entry> entries) throws SQLException {
        if (entries.isEmpty()) return;
        try (var st = c.prepareStatement("INSERT INTO live_buffer (did, source, rev, payload) VALUES (?, ?, ?, ?)")) {
            for (Entry e : entries) {
                st.setString(1, e.did());
                st.setString(2, source);
                st.setString(3, e.rev());
                st.setBytes(4, e.payload());
                st.addBatch();
            }
            st.executeBatch();
        }
    }

    /** One repo's buffered events in arrival order; the caller deletes them with {@link #remove} in the same transaction. */
    List<BufferedEvent> of(Connection c, String did) throws SQLException {
        try (var st = c.prepareStatement("SELECT id, source, rev, payload FROM live_buffer WHERE did = ? ORDER BY id")) {
            st.setString(1, did);
            var out = new ArrayList<BufferedEvent>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) out.add(new BufferedEvent(rs.getLong(1), did, rs.getString(2), rs.getString(3), rs.getBytes(4)));
            }
            return out;
        }
    }

    void remove(Connection c, String did, long upToId) throws SQLException {
        try (var st = c.prepareStatement("DELETE FROM live_buffer WHERE did = ? AND id <= ?")) {
            st.setString(1, did);
            st.setLong(2, upToId);
            st.executeUpdate();
        }
    }

    /** Events waiting, across all repos. */
    public long size(Connection c) throws SQLException {
        try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM live_buffer")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
