package dev.happyview.protocol.repo;

import dev.happyview.protocol.multiformats.Varint;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A binary CIDv1: {@code varint(1) | varint(codec) | varint(hash code) | varint(digest length) | digest}.
 *
 * <p>Atproto's blessed form is codec dag-cbor (0x71) or raw (0x55) with a 32-byte sha2-256 digest; any
 * other CIDv1 is still representable so that links inside third-party records survive a round trip, but
 * only sha2-256 CIDs can be checked against a block ({@link #matches}). CIDv0 is rejected. Equality is on
 * the binary bytes. The string form is multibase {@code b} + lowercase base32 ({@code bafyrei…}).
 */
public final class Cid {
    public static final int DAG_CBOR = 0x71;
    public static final int RAW = 0x55;
    public static final int SHA2_256 = 0x12;
    private static final int MAX_DIGEST_LENGTH = 128;

    private final byte[] bytes;
    private final int codec;
    private final int hashCode;
    private final int digestOffset;

    private Cid(byte[] bytes, int codec, int hashCode, int digestOffset) {
        this.bytes = bytes;
        this.codec = codec;
        this.hashCode = hashCode;
        this.digestOffset = digestOffset;
    }

    /** The CID of a DAG-CBOR block: sha2-256 over the block bytes. */
    public static Cid ofDagCbor(byte[] block) {
        return of(DAG_CBOR, block, 0, block.length);
    }

    /** The CID of a raw block (as used for blobs). */
    public static Cid ofRaw(byte[] block) {
        return of(RAW, block, 0, block.length);
    }

    public static Cid of(int codec, byte[] block, int offset, int length) {
        MessageDigest sha = sha256();
        sha.update(block, offset, length);
        return fromDigest(codec, sha.digest());
    }

    /** A sha2-256 CIDv1 from an already computed 32-byte digest. */
    public static Cid fromDigest(int codec, byte[] digest) {
        if (digest.length != 32) {
            throw new IllegalArgumentException("sha2-256 digest must be 32 bytes");
        }
        int codecLen = Varint.size(codec);
        byte[] b = new byte[1 + codecLen + 2 + 32];
        b[0] = 1;
        System.arraycopy(Varint.encode(codec), 0, b, 1, codecLen);
        b[1 + codecLen] = SHA2_256;
        b[2 + codecLen] = 32;
        System.arraycopy(digest, 0, b, 3 + codecLen, 32);
        return new Cid(b, codec, SHA2_256, 3 + codecLen);
    }

    /** Parses a binary CID that must occupy exactly {@code bytes}. */
    public static Cid fromBytes(byte[] bytes) {
        Cid cid = read(bytes, 0, bytes.length);
        if (cid.length() != bytes.length) {
            throw new IllegalArgumentException("trailing bytes after CID");
        }
        return cid;
    }

    /** Parses the binary CID that starts at {@code offset}; {@link #length()} tells how many bytes it used. */
    public static Cid read(byte[] buf, int offset, int limit) {
        int pos = offset;
        Varint.Decoded version = Varint.read(buf, pos, limit);
        if (version.value() != 1) {
            throw new IllegalArgumentException("unsupported CID version " + version.value());
        }
        pos += version.length();
        Varint.Decoded codec = Varint.read(buf, pos, limit);
        pos += codec.length();
        Varint.Decoded hash = Varint.read(buf, pos, limit);
        pos += hash.length();
        Varint.Decoded digestLen = Varint.read(buf, pos, limit);
        pos += digestLen.length();
        if (codec.value() > Integer.MAX_VALUE || hash.value() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("CID codec or hash code out of range");
        }
        if (digestLen.value() > MAX_DIGEST_LENGTH || pos + digestLen.value() > limit) {
            throw new IllegalArgumentException("CID digest length " + digestLen.value() + " invalid or truncated");
        }
        if (hash.value() == SHA2_256 && digestLen.value() != 32) {
            throw new IllegalArgumentException("sha2-256 digest must be 32 bytes");
        }
        int end = pos + (int) digestLen.value();
        return new Cid(Arrays.copyOfRange(buf, offset, end), (int) codec.value(), (int) hash.value(), pos - offset);
    }

    /** Parses the string form: multibase {@code b} + lowercase base32 of the binary CIDv1. */
    public static Cid parse(String s) {
        if (s.length() < 2 || s.charAt(0) != 'b') {
            throw new IllegalArgumentException("CID must be base32 multibase ('b' prefix): " + abbreviate(s));
        }
        try {
            return fromBytes(Base32.decode(s, 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid CID " + abbreviate(s) + ": " + e.getMessage(), e);
        }
    }

    public int codec() {
        return codec;
    }

    public boolean isSha256() {
        return hashCode == SHA2_256;
    }

    /** Binary length. */
    public int length() {
        return bytes.length;
    }

    public byte[] toBytes() {
        return bytes.clone();
    }

    public byte[] digest() {
        return Arrays.copyOfRange(bytes, digestOffset, bytes.length);
    }

    /** Writes the binary CID into {@code out} at {@code offset}. */
    public void copyTo(byte[] out, int offset) {
        System.arraycopy(bytes, 0, out, offset, bytes.length);
    }

    /** The first 8 digest bytes as a long: a well-spread key for compact block indexes. */
    public long digestPrefix() {
        long v = 0;
        int n = Math.min(8, bytes.length - digestOffset);
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (bytes[digestOffset + i] & 0xff);
        }
        return v;
    }

    /** True when this is a sha2-256 CID whose digest equals sha256(block[offset, offset+length)). */
    public boolean matches(byte[] block, int offset, int length) {
        if (!isSha256()) {
            return false;
        }
        MessageDigest sha = sha256();
        sha.update(block, offset, length);
        return hasSha256Digest(sha.digest());
    }

    /** True when this is a sha2-256 CID with exactly this 32-byte digest. */
    public boolean hasSha256Digest(byte[] sha256) {
        return isSha256() && Arrays.equals(sha256, 0, 32, bytes, digestOffset, bytes.length);
    }

    /** True when {@code buf[offset..]} starts with this CID's binary form. */
    public boolean isPrefixOf(byte[] buf, int offset, int length) {
        return length >= bytes.length && Arrays.equals(bytes, 0, bytes.length, buf, offset, offset + bytes.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cid other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "b" + Base32.encode(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
