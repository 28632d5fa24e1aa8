package dev.happyview.protocol.repo;

import java.security.MessageDigest;
import java.util.Arrays;

/** MST key arithmetic: heights (layers) and shared prefixes. */
public final class MstKeys {
    private MstKeys() {}

    /**
     * The layer a key lives on: leading zero bits of SHA-256(key), divided by 2 and rounded down
     * (a fanout of 4).
     */
    public static int height(byte[] key) {
        return height(Cid.sha256(), key);
    }

    static int height(MessageDigest sha, byte[] key) {
        byte[] hash = sha.digest(key);
        int zeros = 0;
        for (byte b : hash) {
            if (b == 0) {
                zeros += 8;
            } else {
                zeros += Integer.numberOfLeadingZeros(b & 0xff) - 24;
                break;
            }
        }
        return zeros / 2;
    }

    /** Length of the common prefix of two keys, in bytes. */
    public static int commonPrefix(byte[] a, byte[] b) {
        int mismatch = Arrays.mismatch(a, b);
        return mismatch < 0 ? a.length : mismatch;
    }
}
