package dev.happyview.protocol.syntax;

import java.util.regex.Pattern;

/** The loose string check for a CID; {@code dev.happyview.protocol.repo.Cid} does the full decode. */
public final class CidSyntax {
    private static final Pattern SYNTAX = Pattern.compile("^[a-zA-Z0-9+=]{8,256}$");

    private CidSyntax() {}

    public static boolean isValid(String s) {
        // CIDv0 (base58 "Qm…") is not allowed in atproto.
        return s != null && SYNTAX.matcher(s).matches() && !s.startsWith("Qmb");
    }
}
