package dev.happyview.protocol.syntax;

import java.util.regex.Pattern;

/** A handle: a DNS name of at least two labels whose last label does not start with a digit. */
public record Handle(String value) {
    private static final Pattern SYNTAX = Pattern.compile(
            "^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$");

    public Handle {
        if (!isValid(value)) throw new InvalidSyntaxException("handle", value);
    }

    public static boolean isValid(String s) {
        return s != null && s.length() <= 253 && SYNTAX.matcher(s).matches();
    }
}
