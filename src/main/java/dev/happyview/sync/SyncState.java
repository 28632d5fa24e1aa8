package dev.happyview.sync;

import java.util.Locale;

/**
 * Where a repo stands between the index and the network.
 * <ul>
 *   <li>{@code SYNCHRONIZED}: live events are applied as they arrive.</li>
 *   <li>{@code BACKFILLING}: a fetch of the whole repo is under way; its live events wait in the buffer and are applied,
 *       in order, after the fetch's writes commit.</li>
 *   <li>{@code DESYNCHRONIZED}: the index is known to have missed something (an unusable event, a fetch that did not
 *       finish, an account back from a takedown); live events are still applied, a backfill repairs it.</li>
 * </ul>
 */
public enum SyncState {
    SYNCHRONIZED, BACKFILLING, DESYNCHRONIZED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SyncState fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
