package dev.happyview.protocol.crypto;

import java.util.Arrays;

/** Bitcoin-alphabet base58 (multibase prefix {@code z}), used by did:key and Multikey. */
public final class Base58 {
    private static final char[] ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
    private static final int[] VALUES = new int[128];
    /** did:key and multibase keys are tens of bytes; refuse anything absurd before the quadratic loop. */
    private static final int MAX_CHARS = 512;

    static {
        Arrays.fill(VALUES, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            VALUES[ALPHABET[i]] = i;
        }
    }

    private Base58() {}

    public static String encode(byte[] data) {
        int zeros = 0;
        while (zeros < data.length && data[zeros] == 0) {
            zeros++;
        }
        byte[] input = data.clone();
        char[] out = new char[data.length * 2];
        int outStart = out.length;
        for (int start = zeros; start < input.length; ) {
            int remainder = 0;
            for (int i = start; i < input.length; i++) {
                int acc = (remainder << 8) | (input[i] & 0xff);
                input[i] = (byte) (acc / 58);
                remainder = acc % 58;
            }
            out[--outStart] = ALPHABET[remainder];
            while (start < input.length && input[start] == 0) {
                start++;
            }
        }
        for (int i = 0; i < zeros; i++) {
            out[--outStart] = '1';
        }
        return new String(out, outStart, out.length - outStart);
    }

    public static byte[] decode(String s) {
        if (s.length() > MAX_CHARS) {
            throw new IllegalArgumentException("base58 string too long");
        }
        int zeros = 0;
        while (zeros < s.length() && s.charAt(zeros) == '1') {
            zeros++;
        }
        byte[] out = new byte[s.length()];
        int outStart = out.length;
        for (int i = zeros; i < s.length(); i++) {
            char c = s.charAt(i);
            int carry = c < 128 ? VALUES[c] : -1;
            if (carry < 0) {
                throw new IllegalArgumentException("invalid base58 character '" + c + "'");
            }
            for (int j = out.length - 1; j >= outStart || carry != 0; j--) {
                carry += 58 * (out[j] & 0xff);
                out[j] = (byte) carry;
                carry >>>= 8;
                if (j < outStart) {
                    outStart = j;
                }
            }
        }
        byte[] result = new byte[zeros + out.length - outStart];
        System.arraycopy(out, outStart, result, zeros, out.length - outStart);
        return result;
    }
}
