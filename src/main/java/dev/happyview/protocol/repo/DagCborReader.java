package dev.happyview.protocol.repo;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Strict pull reader over one DAG-CBOR item held in a byte array (untrusted input).
 *
 * <p>Hand-written rather than Jackson's {@code CBORParser}: the atproto subset is small, a byte-array
 * cursor needs no buffering, and we need per-item control that Jackson does not give (rejecting floats,
 * undefined, simple values, indefinite lengths, tags other than 42, 64-bit overflow). Every declared
 * length or count is checked against the bytes that remain <em>before</em> anything is allocated, and
 * the total number of items is budgeted, so a short hostile input cannot make us allocate much.
 *
 * <p>Not enforced here (on purpose): shortest-form heads and map key order. The block's hash is what
 * authenticates it, and records are never re-encoded, so refusing merely non-canonical encodings would
 * only drop real data. Duplicate map keys are refused by the consumers, since they make a map ambiguous.
 */
public final class DagCborReader {
    /** What the next item is. */
    public enum Type { INTEGER, BYTES, TEXT, ARRAY, MAP, LINK, BOOLEAN, NULL }

    private final byte[] buf;
    private final int limit;
    private int pos;
    private long itemBudget;

    public DagCborReader(byte[] buf, int maxItems) {
        this(buf, 0, buf.length, maxItems);
    }

    public DagCborReader(byte[] buf, int offset, int length, int maxItems) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
        this.itemBudget = maxItems;
    }

    /** Fails unless the whole input has been consumed. */
    public void expectEnd() {
        if (pos != limit) {
            throw DagCborException.malformed((limit - pos) + " trailing bytes after DAG-CBOR item");
        }
    }

    public Type peek() {
        if (pos >= limit) {
            throw DagCborException.malformed("unexpected end of DAG-CBOR input");
        }
        int b = buf[pos] & 0xff;
        return switch (b >>> 5) {
            case 0, 1 -> Type.INTEGER;
            case 2 -> Type.BYTES;
            case 3 -> Type.TEXT;
            case 4 -> Type.ARRAY;
            case 5 -> Type.MAP;
            case 6 -> Type.LINK;
            default -> switch (b) {
                case 0xf4, 0xf5 -> Type.BOOLEAN;
                case 0xf6 -> Type.NULL;
                case 0xf7 -> throw DagCborException.malformed("undefined is not allowed in DAG-CBOR");
                case 0xf9, 0xfa, 0xfb -> throw DagCborException.malformed("floats are not allowed in atproto data");
                case 0xff -> throw DagCborException.malformed("unexpected break (indefinite length) in DAG-CBOR");
                default -> throw DagCborException.malformed("simple value 0x" + Integer.toHexString(b) + " not allowed");
            };
        };
    }

    public long readInteger() {
        peek();
        int major = (buf[pos] & 0xff) >>> 5;
        if (major > 1) {
            throw unexpected("integer");
        }
        long raw = head(major);
        if (raw < 0) {
            throw DagCborException.malformed("integer outside the signed 64-bit range");
        }
        return major == 0 ? raw : -1 - raw;
    }

    public byte[] readBytes() {
        int len = lengthOf(2, "byte string");
        byte[] out = Arrays.copyOfRange(buf, pos, pos + len);
        pos += len;
        return out;
    }

    public String readText() {
        int len = lengthOf(3, "text string");
        String s = decodeUtf8(buf, pos, len);
        pos += len;
        return s;
    }

    public int readArrayHeader() {
        return countOf(4, "array", 1);
    }

    public int readMapHeader() {
        return countOf(5, "map", 2);
    }

    public Cid readLink() {
        expectMajor(6, "CID link");
        long tag = head(6);
        if (tag != 42) {
            throw DagCborException.malformed("CBOR tag " + tag + " not allowed (only 42)");
        }
        if (pos >= limit || (buf[pos] & 0xff) >>> 5 != 2) {
            throw DagCborException.malformed("tag 42 must wrap a byte string");
        }
        int len = lengthOf(2, "CID bytes");
        if (len < 2 || buf[pos] != 0) {
            throw DagCborException.malformed("CID link must start with the 0x00 multibase prefix");
        }
        try {
            Cid cid = Cid.read(buf, pos + 1, pos + len);
            if (cid.length() != len - 1) {
                throw DagCborException.malformed("trailing bytes inside CID link");
            }
            pos += len;
            return cid;
        } catch (IllegalArgumentException e) {
            throw new DagCborException(DagCborException.Kind.MALFORMED, "bad CID link: " + e.getMessage(), e);
        }
    }

    /** Skips the next item whatever its type; arrays and maps may nest at most {@code maxDepth} levels. */
    public void skip(int maxDepth) {
        switch (peek()) {
            case INTEGER -> readInteger();
            case BYTES, TEXT -> {
                int length = lengthOf(peek() == Type.BYTES ? 2 : 3, "string");
                pos += length;
            }
            case LINK -> readLink();
            case BOOLEAN -> readBoolean();
            case NULL -> readNull();
            case ARRAY, MAP -> {
                if (maxDepth <= 0) {
                    throw DagCborException.limit("DAG-CBOR nested too deeply");
                }
                boolean map = peek() == Type.MAP;
                int n = map ? readMapHeader() : readArrayHeader();
                for (int i = 0; i < n; i++) {
                    if (map) {
                        readText();
                    }
                    skip(maxDepth - 1);
                }
            }
        }
    }

    /** A link, or null when the next item is CBOR null. */
    public Cid readLinkOrNull() {
        if (peek() == Type.NULL) {
            pos++;
            return null;
        }
        return readLink();
    }

    public boolean readBoolean() {
        peek();
        int b = buf[pos] & 0xff;
        if (b != 0xf4 && b != 0xf5) {
            throw unexpected("boolean");
        }
        spendItem();
        pos++;
        return b == 0xf5;
    }

    public void readNull() {
        if (peek() != Type.NULL) {
            throw unexpected("null");
        }
        spendItem();
        pos++;
    }

    private int lengthOf(int major, String what) {
        expectMajor(major, what);
        long len = head(major);
        if (len < 0 || len > limit - pos) {
            throw DagCborException.malformed(what + " length " + Long.toUnsignedString(len) + " exceeds remaining input");
        }
        return (int) len;
    }

    private int countOf(int major, String what, int minBytesPerItem) {
        expectMajor(major, what);
        long n = head(major);
        if (n < 0 || n > (limit - pos) / minBytesPerItem) {
            throw DagCborException.malformed(what + " count " + Long.toUnsignedString(n) + " exceeds remaining input");
        }
        return (int) n;
    }

    private void expectMajor(int major, String what) {
        peek();
        if ((buf[pos] & 0xff) >>> 5 != major) {
            throw unexpected(what);
        }
    }

    /** Reads a head of the given major type; returns the argument (may be negative as unsigned 64-bit). */
    private long head(int major) {
        spendItem();
        int info = buf[pos++] & 0x1f;
        if (info < 24) {
            return info;
        }
        int n = switch (info) {
            case 24 -> 1;
            case 25 -> 2;
            case 26 -> 4;
            case 27 -> 8;
            case 31 -> throw DagCborException.malformed("indefinite lengths are not allowed in DAG-CBOR");
            default -> throw DagCborException.malformed("reserved additional info " + info + " (major " + major + ")");
        };
        if (limit - pos < n) {
            throw DagCborException.malformed("truncated DAG-CBOR head");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (buf[pos++] & 0xff);
        }
        return v;
    }

    private void spendItem() {
        if (--itemBudget < 0) {
            throw DagCborException.limit("too many DAG-CBOR items");
        }
    }

    private DagCborException unexpected(String expected) {
        return DagCborException.malformed("expected " + expected + " but found " + peek());
    }

    static String decodeUtf8(byte[] buf, int offset, int length) {
        boolean ascii = true;
        for (int i = offset; i < offset + length; i++) {
            if (buf[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(buf, offset, length, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, offset, length))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DagCborException(DagCborException.Kind.MALFORMED, "invalid UTF-8 in text string", e);
        }
    }
}
