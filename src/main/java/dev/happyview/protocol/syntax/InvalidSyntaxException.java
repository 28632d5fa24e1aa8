package dev.happyview.protocol.syntax;

/** An identifier that does not follow the atproto syntax rules. */
public final class InvalidSyntaxException extends IllegalArgumentException {
    public InvalidSyntaxException(String what, String input) {
        super("invalid " + what + ": " + abbreviate(input));
    }

    private static String abbreviate(String s) {
        if (s == null) return "null";
        return s.length() > 100 ? s.substring(0, 100) + "…" : s;
    }
}
