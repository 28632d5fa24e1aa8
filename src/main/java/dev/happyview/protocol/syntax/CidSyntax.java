package dev.happyview.protocol.syntax;

/** The loose string check for a CID; {@code dev.happyview.protocol.repo.Cid} does the full decode. */
public final class CidSyntax {
    private CidSyntax() {}

    public static boolean isValid(String s) {
        // CIDv0 (base58 "Qm…") is not allowed in atproto. A loop, not a regex: this runs for every record.
        if (s == null || s.length() < 8 || s.length() > 256 || s.startsWith("Qmb")) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '=';
            if (!ok) return false;
        }
        return true;
    }
}
