package dev.happyview.backfill;

import java.util.List;

/**
 * What fetching one repo stored: the number of records written, and the URIs of records that were read but could
 * not be stored (a NUL character, which Postgres {@code jsonb} cannot hold). One such record must not cost the
 * repo's other records, so it is left out and named in the repo's note instead. {@code rev} is the revision the
 * records were read at: exact for a CAR (its commit), a lower bound for a listing ({@code getLatestCommit} first); {@code data} is the CAR commit's MST root (null for a listing).
 */
record Fetched(int records, List<String> refused, String rev, boolean exactRev, String data) {
    Fetched {
        refused = List.copyOf(refused);
    }

    /** For the repo's {@code last_error}: null when every record was stored. */
    String note() {
        if (refused.isEmpty()) return null;
        return refused.size() + " record(s) not stored (a NUL character, which Postgres jsonb cannot hold): "
                + String.join(", ", refused.subList(0, Math.min(3, refused.size())))
                + (refused.size() > 3 ? ", …" : "");
    }
}
