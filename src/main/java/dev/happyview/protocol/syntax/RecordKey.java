package dev.happyview.protocol.syntax;

import java.util.regex.Pattern;

/** A record key: 1–512 characters from a URL-safe set, never {@code .} or {@code ..}. */
public final class RecordKey {
    private static final Pattern SYNTAX = Pattern.compile("^[a-zA-Z0-9_~.:-]{1,512}$");

    private RecordKey() {}

    public static boolean isValid(String s) {
        return s != null && SYNTAX.matcher(s).matches() && !s.equals(".") && !s.equals("..");
    }
}
