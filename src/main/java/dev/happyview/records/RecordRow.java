package dev.happyview.records;

/**
 * One record to index; {@code recordJson} is the record in the atproto JSON data model, already serialized, and
 * {@code rev} the repo revision it was read at (a live event's commit, a CAR's commit, or for a listing the
 * {@code getLatestCommit} taken before it). A null {@code rev} means unknown: such a row is written only where nothing
 * with a known revision stands.
 */
public record RecordRow(String uri, String did, String collection, String rkey, String cid, String recordJson, String rev) {
    /**
     * Whether JSON text holds the NUL character, which Postgres {@code jsonb} cannot store. JSON can only carry it
     * escaped (backslash, "u0000"); after an even number of backslashes "u0000" is plain text, e.g. a post that
     * quotes the escape, and is stored like any other.
     */
    public static boolean hasNul(String json) {
        for (int i = json.indexOf("\\u0000"); i >= 0; i = json.indexOf("\\u0000", i + 1)) {
            int backslashes = 1;
            while (i - backslashes >= 0 && json.charAt(i - backslashes) == '\\') backslashes++;
            if (backslashes % 2 == 1) return true;
        }
        return false;
    }
}
