package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.HASH_MISMATCH;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.LIMIT_EXCEEDED;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MALFORMED_CAR;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.TRUNCATED;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.multiformats.Varint;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Streaming CAR v1 reader: {@code varint(len) | DAG-CBOR {roots, version: 1}}, then sections
 * {@code varint(len) | CID | block} until end of input.
 *
 * <p>Every block is checked against its CID (sha2-256 only; other hashes cannot be verified and are
 * refused) before it is returned. Block order and duplicates are whatever the producer sent; this
 * reader does not care. Header and section sizes are capped before anything is allocated. Framing
 * problems are {@link RepoVerificationException}s; I/O failures of the stream stay {@link IOException}.
 */
public final class CarReader {
    /** Size caps for untrusted CARs. */
    public record Limits(int maxHeaderBytes, int maxSectionBytes) {
        /** 64 KiB header; 2 MiB block plus room for its CID. */
        public static final Limits DEFAULT = new Limits(64 * 1024, 2 * 1024 * 1024 + 128);
    }

    /** A hash-checked block. */
    public record Block(Cid cid, byte[] data) {}

    private final InputStream in;
    private final Limits limits;
    private final List<Cid> roots;
    private final MessageDigest sha = Cid.sha256();
    private byte[] section = new byte[4096];
    private long bytesRead;

    public CarReader(InputStream in) throws IOException {
        this(in, Limits.DEFAULT);
    }

    /** Reads and checks the header at once. */
    public CarReader(InputStream in, Limits limits) throws IOException {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 64 * 1024);
        this.limits = limits;
        this.roots = readHeader();
    }

    /** The header's roots; for a repo export, the first is the commit. */
    public List<Cid> roots() {
        return roots;
    }

    /** Bytes consumed from the stream so far. */
    public long bytesRead() {
        return bytesRead;
    }

    /** The next block, or null at a clean end of input (between sections). */
    public Block next() throws IOException {
        long length = readVarint(true);
        if (length < 0) {
            return null;
        }
        if (length > limits.maxSectionBytes()) {
            throw new RepoVerificationException(LIMIT_EXCEEDED,
                    "CAR section of " + length + " bytes exceeds " + limits.maxSectionBytes());
        }
        int len = (int) length;
        if (section.length < len) {
            section = new byte[Math.max(len, Math.min(section.length * 2, limits.maxSectionBytes()))];
        }
        readFully(section, len, "CAR section");
        Cid cid;
        try {
            cid = Cid.read(section, 0, len);
        } catch (IllegalArgumentException e) {
            throw new RepoVerificationException(MALFORMED_CAR, "bad CID in CAR section: " + e.getMessage(), e);
        }
        if (!cid.isSha256()) {
            throw new RepoVerificationException(MALFORMED_CAR, "block " + cid + " does not use sha2-256");
        }
        sha.update(section, cid.length(), len - cid.length());
        if (!cid.hasSha256Digest(sha.digest())) {
            throw new RepoVerificationException(HASH_MISMATCH, "block bytes do not hash to " + cid);
        }
        return new Block(cid, Arrays.copyOfRange(section, cid.length(), len));
    }

    private List<Cid> readHeader() throws IOException {
        long length = readVarint(false);
        if (length == 0 || length > limits.maxHeaderBytes()) {
            throw new RepoVerificationException(length == 0 ? MALFORMED_CAR : LIMIT_EXCEEDED,
                    "CAR header length " + length + " (limit " + limits.maxHeaderBytes() + ")");
        }
        byte[] header = new byte[(int) length];
        readFully(header, header.length, "CAR header");
        return parseHeader(header, 0, header.length);
    }

    /** The roots of a CAR header ({@code {roots: [CID…], version: 1}}). */
    static List<Cid> parseHeader(byte[] buf, int offset, int length) {
        JsonNode node;
        try {
            node = DagCborDecoder.decode(buf, offset, length, DagCborDecoder.Limits.DEFAULT);
        } catch (DagCborException e) {
            throw new RepoVerificationException(MALFORMED_CAR, "CAR header: " + e.getMessage(), e);
        }
        JsonNode version = node.get("version");
        JsonNode rootList = node.get("roots");
        if (version == null || !version.isIntegralNumber() || version.longValue() != 1) {
            throw new RepoVerificationException(MALFORMED_CAR, "CAR header version must be 1, got " + version);
        }
        if (rootList == null || !rootList.isArray()) {
            throw new RepoVerificationException(MALFORMED_CAR, "CAR header has no roots array");
        }
        List<Cid> cids = new ArrayList<>(rootList.size());
        for (JsonNode root : rootList) {
            try {
                cids.add(DagCborEncoder.linkOf(root));
            } catch (DagCborException e) {
                throw new RepoVerificationException(MALFORMED_CAR, "CAR root is not a link", e);
            }
        }
        return List.copyOf(cids);
    }

    /** Reads an unsigned varint; returns -1 on end of input before its first byte when allowed. */
    private long readVarint(boolean endAllowed) throws IOException {
        long value = 0;
        for (int i = 0; i < Varint.MAX_BYTES; i++) {
            int b = in.read();
            if (b < 0) {
                if (i == 0 && endAllowed) {
                    return -1;
                }
                throw new RepoVerificationException(TRUNCATED, "CAR ended inside a length prefix");
            }
            bytesRead++;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new RepoVerificationException(MALFORMED_CAR, "non-minimal varint in CAR");
                }
                return value;
            }
        }
        throw new RepoVerificationException(MALFORMED_CAR, "CAR length prefix longer than 9 bytes");
    }

    private void readFully(byte[] buf, int len, String what) throws IOException {
        int n = in.readNBytes(buf, 0, len);
        bytesRead += n;
        if (n < len) {
            throw new RepoVerificationException(TRUNCATED, what + " truncated: " + n + " of " + len + " bytes");
        }
    }
}
