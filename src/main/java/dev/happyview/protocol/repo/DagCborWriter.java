package dev.happyview.protocol.repo;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Low-level canonical DAG-CBOR writer: shortest-form heads, definite lengths only, tag 42 for links.
 *
 * <p>Callers write map keys themselves and must do so in {@link #KEY_ORDER}; commits and MST nodes
 * have fixed key sets, so they hard-code the order instead of sorting at run time.
 */
public final class DagCborWriter {
    /** Canonical DAG-CBOR map key order: shorter UTF-8 encoding first, then bytewise. */
    public static final Comparator<byte[]> KEY_ORDER = (a, b) ->
            a.length != b.length ? Integer.compare(a.length, b.length) : Arrays.compareUnsigned(a, b);

    private static final int MAJOR_UNSIGNED = 0;
    private static final int MAJOR_NEGATIVE = 1;
    private static final int MAJOR_BYTES = 2;
    private static final int MAJOR_TEXT = 3;
    private static final int MAJOR_ARRAY = 4;
    private static final int MAJOR_MAP = 5;
    private static final int MAJOR_TAG = 6;

    private byte[] buf;
    private int size;

    public DagCborWriter() {
        this(256);
    }

    public DagCborWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public DagCborWriter mapHeader(int entries) {
        head(MAJOR_MAP, entries);
        return this;
    }

    public DagCborWriter arrayHeader(int items) {
        head(MAJOR_ARRAY, items);
        return this;
    }

    public DagCborWriter text(String s) {
        return utf8(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a text string from already-encoded UTF-8 (the caller vouches for its validity). */
    public DagCborWriter utf8(byte[] utf8) {
        head(MAJOR_TEXT, utf8.length);
        raw(utf8, 0, utf8.length);
        return this;
    }

    public DagCborWriter bytes(byte[] data) {
        head(MAJOR_BYTES, data.length);
        raw(data, 0, data.length);
        return this;
    }

    public DagCborWriter integer(long value) {
        if (value >= 0) {
            head(MAJOR_UNSIGNED, value);
        } else {
            head(MAJOR_NEGATIVE, -1 - value);
        }
        return this;
    }

    /** A CID link: tag 42 over a byte string of 0x00 (the identity multibase prefix) and the binary CID. */
    public DagCborWriter link(Cid cid) {
        head(MAJOR_TAG, 42);
        head(MAJOR_BYTES, cid.length() + 1);
        ensure(cid.length() + 1);
        buf[size++] = 0;
        cid.copyTo(buf, size);
        size += cid.length();
        return this;
    }

    /** A link, or null when {@code cid} is null (MST {@code l}/{@code t} and commit {@code prev}). */
    public DagCborWriter linkOrNull(Cid cid) {
        return cid == null ? nullValue() : link(cid);
    }

    public DagCborWriter bool(boolean value) {
        ensure(1);
        buf[size++] = (byte) (value ? 0xf5 : 0xf4);
        return this;
    }

    public DagCborWriter nullValue() {
        ensure(1);
        buf[size++] = (byte) 0xf6;
        return this;
    }

    public int size() {
        return size;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    private void head(int major, long value) {
        ensure(9);
        int m = major << 5;
        if (value < 24) {
            buf[size++] = (byte) (m | value);
        } else if (value < 0x100) {
            buf[size++] = (byte) (m | 24);
            buf[size++] = (byte) value;
        } else if (value < 0x10000) {
            buf[size++] = (byte) (m | 25);
            putBigEndian(value, 2);
        } else if (value < 0x1_0000_0000L) {
            buf[size++] = (byte) (m | 26);
            putBigEndian(value, 4);
        } else {
            buf[size++] = (byte) (m | 27);
            putBigEndian(value, 8);
        }
    }

    private void putBigEndian(long value, int n) {
        for (int i = n - 1; i >= 0; i--) {
            buf[size++] = (byte) (value >>> (8 * i));
        }
    }

    private void raw(byte[] data, int off, int len) {
        ensure(len);
        System.arraycopy(data, off, buf, size, len);
        size += len;
    }

    private void ensure(int extra) {
        if (size + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + extra));
        }
    }
}
