package dev.happyview.protocol.syntax;

/** A record key: 1–512 characters from a URL-safe set, never {@code .} or {@code ..}. */
public final class RecordKey {
    private RecordKey() {}

    public static boolean isValid(String s) {
        // A loop rather than a regex: this runs for every record a backfill indexes.
        if (s == null || s.isEmpty() || s.length() > 512 || s.equals(".") || s.equals("..")) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '~' || c == '.' || c == ':' || c == '-';
            if (!ok) return false;
        }
        return true;
    }
}
