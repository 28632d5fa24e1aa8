package dev.happyview.protocol.multiformats;

import java.io.ByteArrayOutputStream;

/**
 * Unsigned LEB128 varints as used by multiformats (CIDs, multicodec prefixes) and CAR section lengths.
 * Decoding follows the multiformats unsigned-varint rules: at most 9 bytes and minimal encoding only.
 */
public final class Varint {
    /** Multiformats caps varints at 9 bytes (63 bits). */
    public static final int MAX_BYTES = 9;

    private Varint() {}

    /** A decoded varint and the number of bytes it occupied. */
    public record Decoded(long value, int length) {}

    public static Decoded read(byte[] buf, int offset, int limit) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            int pos = offset + i;
            if (pos >= limit) {
                throw new IllegalArgumentException("truncated varint");
            }
            int b = buf[pos] & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("non-minimal varint");
                }
                return new Decoded(value, i + 1);
            }
        }
        throw new IllegalArgumentException("varint longer than " + MAX_BYTES + " bytes");
    }

    public static int size(long value) {
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    public static void write(ByteArrayOutputStream out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("negative varint");
        }
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

    public static byte[] encode(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(MAX_BYTES);
        write(out, value);
        return out.toByteArray();
    }
}
