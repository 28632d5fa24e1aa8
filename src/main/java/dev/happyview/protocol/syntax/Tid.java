package dev.happyview.protocol.syntax;

import java.util.regex.Pattern;

/** A timestamp identifier: 13 characters of sortable base32 (microseconds since the epoch and a clock id). */
public final class Tid {
    private static final Pattern SYNTAX = Pattern.compile("^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$");
    private static final String ALPHABET = "234567abcdefghijklmnopqrstuvwxyz";

    private Tid() {}

    public static boolean isValid(String s) {
        return s != null && SYNTAX.matcher(s).matches();
    }

    /** The microseconds since the epoch that a valid TID encodes. */
    public static long micros(String tid) {
        if (!isValid(tid)) {
            throw new InvalidSyntaxException("TID", tid);
        }
        long v = 0;
        for (int i = 0; i < 13; i++) {
            v = (v << 5) | ALPHABET.indexOf(tid.charAt(i));
        }
        return v >>> 10;
    }

    /** The TID for a time in microseconds and a clock id (0–1023). */
    public static String of(long micros, int clockId) {
        long v = (micros << 10) | (clockId & 0x3FF);
        char[] out = new char[13];
        for (int i = 12; i >= 0; i--) {
            out[i] = ALPHABET.charAt((int) (v & 31));
            v >>>= 5;
        }
        return new String(out);
    }
}
