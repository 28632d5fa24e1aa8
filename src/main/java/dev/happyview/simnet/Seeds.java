package dev.happyview.simnet;

import dev.happyview.protocol.repo.Base32;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The deterministic randomness of a simulated network: everything but ports is a function of the scenario's seed. */
final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit hash of (seed, a, b) (SplitMix64 finalizer). */
    static long mix(long seed, long a, long b) {
        long z = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
        for (int i = 0; i < 2; i++) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
        }
        return z;
    }

    /** A hash as a double in [0, 1). */
    static double unit(long h) {
        return (h >>> 11) * 0x1.0p-53;
    }

    static byte[] bytes(long seed, int index, String purpose) {
        return ByteBuffer.allocate(12 + purpose.length()).putLong(seed).putInt(index)
                .put(purpose.getBytes(StandardCharsets.US_ASCII)).array();
    }

    /** did:plc: + 24 base32 characters of SHA-256(seed, index, purpose). */
    static String plcDid(long seed, int index, String purpose) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(bytes(seed, index, purpose));
            return "did:plc:" + Base32.encode(h).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
