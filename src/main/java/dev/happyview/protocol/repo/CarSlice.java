package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.HASH_MISMATCH;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.LIMIT_EXCEEDED;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MALFORMED_CAR;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.TRUNCATED;

import dev.happyview.protocol.multiformats.Varint;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small CAR held in memory, such as the block slice of a firehose commit: parsed in one pass over
 * the byte array (no stream buffers), every block hash-checked (sha2-256 only) before it is kept.
 * Duplicate blocks are ignored; block order does not matter.
 */
public final class CarSlice implements BlockSource {
    private final List<Cid> roots;
    private final Map<Cid, byte[]> blocks;

    private CarSlice(List<Cid> roots, Map<Cid, byte[]> blocks) {
        this.roots = roots;
        this.blocks = blocks;
    }

    /**
     * @param maxBlocks refuse ({@code LIMIT_EXCEEDED}) a slice with more sections than this
     * @throws RepoVerificationException when the bytes are not a well-formed CAR of valid blocks
     */
    public static CarSlice parse(byte[] car, int maxBlocks) {
        Varint.Decoded headerLength = varint(car, 0);
        int pos = headerLength.length();
        if (headerLength.value() == 0 || headerLength.value() > car.length - pos) {
            throw new RepoVerificationException(TRUNCATED, "CAR header length " + headerLength.value() + " exceeds the slice");
        }
        List<Cid> roots = CarReader.parseHeader(car, pos, (int) headerLength.value());
        pos += (int) headerLength.value();
        Map<Cid, byte[]> blocks = new HashMap<>();
        MessageDigest sha = Cid.sha256();
        int sections = 0;
        while (pos < car.length) {
            if (++sections > maxBlocks) {
                throw new RepoVerificationException(LIMIT_EXCEEDED, "CAR slice has more than " + maxBlocks + " blocks");
            }
            Varint.Decoded length = varint(car, pos);
            pos += length.length();
            if (length.value() > car.length - pos) {
                throw new RepoVerificationException(TRUNCATED, "CAR section of " + length.value() + " bytes is truncated");
            }
            int end = pos + (int) length.value();
            Cid cid;
            try {
                cid = Cid.read(car, pos, end);
            } catch (IllegalArgumentException e) {
                throw new RepoVerificationException(MALFORMED_CAR, "bad CID in CAR section: " + e.getMessage(), e);
            }
            if (!cid.isSha256()) {
                throw new RepoVerificationException(MALFORMED_CAR, "block " + cid + " does not use sha2-256");
            }
            int dataStart = pos + cid.length();
            sha.update(car, dataStart, end - dataStart);
            if (!cid.hasSha256Digest(sha.digest())) {
                throw new RepoVerificationException(HASH_MISMATCH, "block bytes do not hash to " + cid);
            }
            blocks.putIfAbsent(cid, Arrays.copyOfRange(car, dataStart, end));
            pos = end;
        }
        return new CarSlice(roots, blocks);
    }

    public List<Cid> roots() {
        return roots;
    }

    @Override
    public byte[] get(Cid cid) {
        return blocks.get(cid);
    }

    /** The blocks by CID (a read-only view). */
    public Map<Cid, byte[]> blocks() {
        return Collections.unmodifiableMap(blocks);
    }

    /** Distinct blocks. */
    public int size() {
        return blocks.size();
    }

    private static Varint.Decoded varint(byte[] buf, int pos) {
        try {
            return Varint.read(buf, pos, buf.length);
        } catch (IllegalArgumentException e) {
            throw new RepoVerificationException(MALFORMED_CAR, "CAR length prefix: " + e.getMessage(), e);
        }
    }
}
