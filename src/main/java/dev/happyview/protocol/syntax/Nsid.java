package dev.happyview.protocol.syntax;

/** A namespaced identifier: reversed domain authority plus a name, e.g. {@code app.bsky.feed.post}. */
public record Nsid(String value) {
    private static final int MAX_LENGTH = 317;

    public Nsid {
        if (!isValid(value)) throw new InvalidSyntaxException("NSID", value);
    }

    public static Nsid parse(String s) {
        return new Nsid(s);
    }

    public static boolean isValid(String s) {
        // Domain segments (the first starting with a letter) then a name of letters and digits starting with a letter;
        // a loop rather than a regex: this runs for every event Tap delivers.
        if (s == null || s.isEmpty() || s.length() > MAX_LENGTH) return false;
        int segments = 0;
        int start = 0;
        int n = s.length();
        while (start <= n) {
            int end = s.indexOf('.', start);
            if (end < 0) end = n;
            boolean name = end == n;
            if (!segment(s, start, end, segments == 0 || name, name)) return false;
            segments++;
            start = end + 1;
        }
        return segments >= 3;
    }

    private static boolean segment(String s, int from, int to, boolean letterFirst, boolean name) {
        int len = to - from;
        if (len < 1 || len > 63) return false;
        char first = s.charAt(from);
        if (!isLetter(first) && (letterFirst || !isDigit(first))) return false;
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!isLetter(c) && !isDigit(c) && (name || c != '-')) return false;
        }
        return s.charAt(to - 1) != '-';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    public String name() {
        return value.substring(value.lastIndexOf('.') + 1);
    }

    @Override
    public String toString() {
        return value;
    }
}
