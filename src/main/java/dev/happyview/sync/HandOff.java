package dev.happyview.sync;

import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hand-off between a repo's backfill and the live stream. {@link #begin} marks the repo {@code backfilling}
 * before anything is read from its PDS, so every live event for it from then on is buffered; {@link #finish}, called
 * after the backfill's writes have committed, applies the buffered events in arrival order (through the source that
 * buffered them) and marks the repo {@code synchronized} — or {@code desynchronized} when the backfill did not
 * complete — in one transaction that holds the repo's row lock, so no event can slip in between.
 *
 * <p>Only the newest session of a repo finishes it: a second backfill of the same repo that began later takes the
 * session over, and the earlier one's finish changes nothing. A session that never finishes (its process died) is
 * ended by {@link #expire} after its time to live, as desynchronized.
 */
public final class HandOff {
    private static final Logger log = LoggerFactory.getLogger(HandOff.class);

    private final Database db;
    private final LiveBuffer buffer;
    private final RepoSyncStore sync;
    private final RecordWriter writer;
    private final Duration sessionTtl;
    private final boolean enabled;
    private final Map<String, BufferApplier> appliers = new ConcurrentHashMap<>();

    public HandOff(Database db, LiveBuffer buffer, RepoSyncStore sync, RecordWriter writer, Duration sessionTtl) {
        this(db, buffer, sync, writer, sessionTtl, true);
    }

    private HandOff(Database db, LiveBuffer buffer, RepoSyncStore sync, RecordWriter writer, Duration sessionTtl,
            boolean enabled) {
        this.db = db;
        this.buffer = buffer;
        this.sync = sync;
        this.writer = writer;
        this.sessionTtl = sessionTtl;
        this.enabled = enabled;
    }

    /** For a process without a live source: nothing is buffered, so a backfill has nothing to hand over. */
    public static HandOff off() {
        return new HandOff(null, null, null, null, Duration.ZERO, false);
    }

    /** A live source that buffers events registers how to apply them. */
    public void register(BufferApplier applier) {
        appliers.put(applier.source(), applier);
    }

    /** One repo's backfill, from before its first read to after its last write. */
    public record Session(String did, UUID id) {}

    /** Marks the repo {@code backfilling}; from the commit on, its live events are buffered. */
    public Session begin(String did) throws SQLException {
        var session = new Session(did, UUID.randomUUID());
        if (!enabled) return session;
        try (var c = db.connection(); var st = c.prepareStatement("""
                INSERT INTO repo_sync AS s (did, state, backfill_owner, backfill_expires_at)
                VALUES (?, 'backfilling', ?, now() + make_interval(secs => ?))
                ON CONFLICT (did) DO UPDATE
                   SET state = 'backfilling', backfill_owner = EXCLUDED.backfill_owner,
                       backfill_expires_at = EXCLUDED.backfill_expires_at, updated_at = now()""")) {
            st.setString(1, did);
            st.setObject(2, session.id());
            st.setDouble(3, sessionTtl.toSeconds());
            st.executeUpdate();
        }
        return session;
    }

    /**
     * Ends a session after its writes committed: applies the repo's buffered events and sets its state.
     *
     * @param snapshot the revision the backfill wrote at; null if it did not complete (the repo becomes desynchronized)
     * @return whether this session still owned the repo (false: a later session or the expiry took it over)
     */
    public boolean finish(Session session, BufferApplier.Snapshot snapshot, String reason) throws SQLException {
        if (!enabled) return true;
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            try {
                boolean owned = drain(c, session.did(), session.id(), snapshot, reason);
                c.commit();
                return owned;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /**
     * The repo's own host answered that the account is not active there ({@code deleted} for a repo it does not have,
     * {@code takendown}, {@code suspended}, {@code deactivated}), after a fresh look at the DID document found no
     * other host: recorded as an {@code #account} event would be ({@link AccountChanges}; a deleted or taken-down
     * account's records go). An account gone before the stream was followed sends no such event, and its repo would
     * otherwise be resynced in vain; an {@code #account} event saying it is active again undoes this.
     */
    public void hostReportedStatus(String did, String status) throws SQLException {
        if (!enabled) return;
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            try {
                AccountChanges.apply(c, sync, writer, did, false, status);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** Ends the sessions whose time ran out (their process is gone): buffered events applied, repo desynchronized. */
    public int expire() throws SQLException {
        if (!enabled) return 0;
        var expired = new ArrayList<Object[]>();
        try (var c = db.connection(); var st = c.createStatement(); var rs = st.executeQuery("""
                SELECT did, backfill_owner FROM repo_sync
                 WHERE state = 'backfilling' AND backfill_expires_at < now() LIMIT 1000""")) {
            while (rs.next()) expired.add(new Object[] {rs.getString(1), rs.getObject(2, UUID.class)});
        }
        int ended = 0;
        for (Object[] e : expired) {
            if (finish(new Session((String) e[0], (UUID) e[1]), null, "backfill session expired")) ended++;
        }
        if (ended > 0) log.warn("{} backfill session(s) expired; their repos are desynchronized", ended);
        return ended;
    }

    private boolean drain(Connection c, String did, UUID owner, BufferApplier.Snapshot snapshot, String reason)
            throws SQLException {
        try (var st = c.prepareStatement("SELECT backfill_owner FROM repo_sync WHERE did = ? FOR UPDATE")) {
            st.setString(1, did);
            try (var rs = st.executeQuery()) {
                if (!rs.next() || !owner.equals(rs.getObject(1, UUID.class))) return false;
            }
        }
        if (snapshot != null && snapshot.data() != null) {
            // The MST root of the fetched commit: a source that checks chains (the firehose) continues from it.
            try (var st = c.prepareStatement("UPDATE repo_sync SET data = ?, data_rev = ? WHERE did = ?")) {
                st.setString(1, snapshot.data());
                st.setString(2, snapshot.rev());
                st.setString(3, did);
                st.executeUpdate();
            }
        }
        List<BufferedEvent> events = buffer.of(c, did);
        String newest = snapshot == null ? null : snapshot.rev();
        boolean dropped = false;
        String desynchronized = null;
        int from = 0;
        while (from < events.size()) {
            // Consecutive events of one source go to that source together, keeping arrival order across sources.
            String source = events.get(from).source();
            int to = from;
            while (to < events.size() && events.get(to).source().equals(source)) to++;
            BufferApplier applier = appliers.get(source);
            if (applier == null) {
                // The source that buffered them is no longer configured: nothing can read them any more.
                log.warn("{}: dropping {} event(s) buffered by live source '{}', which is not running", did, to - from, source);
                dropped = true;
            } else {
                BufferApplier.Result result = applier.apply(c, did, events.subList(from, to), snapshot);
                String applied = result.newestRev();
                if (applied != null && (newest == null || applied.compareTo(newest) > 0)) newest = applied;
                if (result.desynchronized() != null) desynchronized = result.desynchronized();
            }
            from = to;
        }
        if (!events.isEmpty()) buffer.remove(c, did, events.getLast().id());
        try (var st = c.prepareStatement("""
                UPDATE repo_sync SET state = ?, rev = greatest(rev, ?), reason = ?, backfill_owner = NULL,
                       backfill_expires_at = NULL, updated_at = now()
                 WHERE did = ?""")) {
            boolean complete = snapshot != null && !dropped && desynchronized == null;
            st.setString(1, (complete ? SyncState.SYNCHRONIZED : SyncState.DESYNCHRONIZED).wire());
            st.setString(2, newest);
            st.setString(3, complete ? null : dropped ? "buffered events of a stopped live source were dropped"
                    : snapshot != null && desynchronized != null ? desynchronized : reason);
            st.setString(4, did);
            st.executeUpdate();
        }
        return true;
    }
}
