package dev.happyview.protocol.syntax;

/** A DID: {@code did:<method>:<identifier>}, at most 2 KiB. */
public record Did(String value) {
    private static final int MAX_LENGTH = 2048;

    public Did {
        if (!isValid(value)) throw new InvalidSyntaxException("DID", value);
    }

    public static Did parse(String s) {
        return new Did(s);
    }

    public static boolean isValid(String s) {
        // did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-], as a loop: this runs for every event Tap delivers.
        if (s == null || s.length() > MAX_LENGTH || !s.startsWith("did:")) return false;
        int n = s.length();
        int i = 4;
        while (i < n && s.charAt(i) >= 'a' && s.charAt(i) <= 'z') i++;
        if (i == 4 || i >= n - 1 || s.charAt(i) != ':') return false;
        for (i++; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '%' || c == '-';
            if (!ok) return false;
        }
        char last = s.charAt(n - 1);
        return last != ':' && last != '%';
    }

    public String method() {
        return value.substring(4, value.indexOf(':', 4));
    }

    public boolean isPlc() {
        return value.startsWith("did:plc:");
    }

    public boolean isWeb() {
        return value.startsWith("did:web:");
    }

    @Override
    public String toString() {
        return value;
    }
}
