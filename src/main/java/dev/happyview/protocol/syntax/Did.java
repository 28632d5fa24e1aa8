package dev.happyview.protocol.syntax;

import java.util.regex.Pattern;

/** A DID: {@code did:<method>:<identifier>}, at most 2 KiB. */
public record Did(String value) {
    private static final Pattern SYNTAX = Pattern.compile("^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$");
    private static final int MAX_LENGTH = 2048;

    public Did {
        if (!isValid(value)) throw new InvalidSyntaxException("DID", value);
    }

    public static Did parse(String s) {
        return new Did(s);
    }

    public static boolean isValid(String s) {
        return s != null && s.length() <= MAX_LENGTH && SYNTAX.matcher(s).matches();
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
