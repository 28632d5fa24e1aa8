package dev.happyview.sync;

import dev.happyview.records.RecordWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;

/**
 * An account's hosting status as every live source applies it: {@code deleted} and {@code takendown} remove the
 * repo's records, leaving tombstones; {@code deactivated}, {@code suspended} and other inactive states keep them (the
 * account may come back, and a reactivation sends no records); the status is recorded either way.
 */
public final class AccountChanges {
    private static final Set<String> REMOVED = Set.of("deleted", "takendown");

    /** What the change did. */
    public enum Effect {
        NONE,
        /** The repo's records were removed. */
        REMOVED,
        /** The account is active again after its records were removed: the repo must be fetched again. */
        BACK
    }

    private AccountChanges() {}

    /** Applies one account event in the caller's transaction. */
    public static Effect apply(Connection c, RepoSyncStore sync, RecordWriter writer, String did, boolean active,
            String status) throws SQLException {
        String now = active ? "active" : status == null ? "inactive" : status;
        String previous = sync.accountStatus(c, did);
        sync.setAccountStatus(c, did, now);
        if (REMOVED.contains(now)) {
            writer.purgeRepo(c, did, null);
            return Effect.REMOVED;
        }
        return active && previous != null && REMOVED.contains(previous) ? Effect.BACK : Effect.NONE;
    }
}
