package dev.happyview.tap;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * The {@code tap_dead_letters} table: frames that could not be used, kept for an operator to look at. They are
 * written in the transaction of their batch, so a frame is acknowledged only once it is either applied or kept here.
 */
final class TapDeadLetters {
    /** Frames longer than this are cut: a dead letter is for reading, and a hostile frame must not fill the disk. */
    private static final int MAX_FRAME_CHARS = 65_536;

    /** One unusable frame; {@code eventId} is null when the frame did not even carry an id. */
    record DeadLetter(Long eventId, String reason, String frame) {}

    private TapDeadLetters() {}

    static void insert(Connection c, List<DeadLetter> deads) throws SQLException {
        try (var st = c.prepareStatement("INSERT INTO tap_dead_letters (event_id, reason, frame) VALUES (?, ?, ?)")) {
            for (DeadLetter d : deads) {
                st.setObject(1, d.eventId());
                st.setString(2, d.reason());
                String frame = d.frame();
                st.setString(3, (frame.length() > MAX_FRAME_CHARS ? frame.substring(0, MAX_FRAME_CHARS) : frame)
                        .replace("\u0000", ""));
                st.addBatch();
            }
            st.executeBatch();
        }
    }
}
