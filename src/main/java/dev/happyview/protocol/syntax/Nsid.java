package dev.happyview.protocol.syntax;

import java.util.regex.Pattern;

/** A namespaced identifier: reversed domain authority plus a name, e.g. {@code app.bsky.feed.post}. */
public record Nsid(String value) {
    private static final Pattern SYNTAX = Pattern.compile(
            "^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+\\.[a-zA-Z][a-zA-Z0-9]{0,62}$");
    private static final int MAX_LENGTH = 317;

    public Nsid {
        if (!isValid(value)) throw new InvalidSyntaxException("NSID", value);
    }

    public static Nsid parse(String s) {
        return new Nsid(s);
    }

    public static boolean isValid(String s) {
        return s != null && s.length() <= MAX_LENGTH && SYNTAX.matcher(s).matches();
    }

    public String name() {
        return value.substring(value.lastIndexOf('.') + 1);
    }

    @Override
    public String toString() {
        return value;
    }
}
