package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.BAD_COMMIT;

import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import java.util.Arrays;
import java.util.Objects;

/**
 * A signed repo commit (version 3): {@code did}, {@code version}, {@code data} (MST root), {@code rev}
 * (TID), {@code prev} (link or null, always present) and {@code sig} (64-byte r‖s).
 *
 * <p>The signature covers the canonical DAG-CBOR of the commit without {@code sig}. Decoding refuses
 * unknown fields: implementations disagree on whether extra fields are signed (the TypeScript PDS signs
 * the whole object minus {@code sig}, indigo only the known fields), so such a commit cannot be checked
 * unambiguously.
 */
public record Commit(String did, long version, Cid data, String rev, Cid prev, byte[] sig) {
    public static final int VERSION = 3;

    public Commit {
        Objects.requireNonNull(did, "did");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(rev, "rev");
        Objects.requireNonNull(sig, "sig");
        sig = sig.clone();
    }

    /** Signs a version-3 commit (used by the simulated network and tests). */
    public static Commit sign(String did, Cid data, String rev, Cid prev, AtprotoKeyPair key) {
        byte[] unsigned = unsignedBytes(did, VERSION, data, rev, prev);
        return new Commit(did, VERSION, data, rev, prev, key.sign(unsigned));
    }

    /** Decodes a commit block; CBOR errors surface as MALFORMED_CBOR/LIMIT_EXCEEDED, shape errors as BAD_COMMIT. */
    public static Commit decode(byte[] block) {
        try {
            return decodeFields(new DagCborReader(block, 64));
        } catch (DagCborException e) {
            throw RepoVerificationException.of(e, "commit block");
        }
    }

    private static Commit decodeFields(DagCborReader in) {
        if (in.peek() != DagCborReader.Type.MAP) {
            throw new RepoVerificationException(BAD_COMMIT, "commit is not a map");
        }
        int fields = in.readMapHeader();
        String did = null;
        String rev = null;
        Cid data = null;
        Cid prev = null;
        byte[] sig = null;
        Long version = null;
        boolean sawPrev = false;
        for (int i = 0; i < fields; i++) {
            String key = in.readText();
            boolean duplicate = switch (key) {
                case "did" -> did != null;
                case "rev" -> rev != null;
                case "sig" -> sig != null;
                case "data" -> data != null;
                case "prev" -> sawPrev;
                case "version" -> version != null;
                default -> throw new RepoVerificationException(BAD_COMMIT, "unknown commit field \"" + key + "\"");
            };
            if (duplicate) {
                throw new RepoVerificationException(BAD_COMMIT, "duplicate commit field \"" + key + "\"");
            }
            try {
                switch (key) {
                    case "did" -> did = in.readText();
                    case "rev" -> rev = in.readText();
                    case "sig" -> sig = in.readBytes();
                    case "data" -> data = in.readLink();
                    case "prev" -> {
                        sawPrev = true;
                        prev = in.readLinkOrNull();
                    }
                    default -> version = in.readInteger();
                }
            } catch (DagCborException e) {
                if (e.kind() == DagCborException.Kind.LIMIT_EXCEEDED) {
                    throw e;
                }
                throw new RepoVerificationException(BAD_COMMIT, "commit field \"" + key + "\": " + e.getMessage(), e);
            }
        }
        in.expectEnd();
        if (did == null || rev == null || sig == null || data == null || !sawPrev || version == null) {
            throw new RepoVerificationException(BAD_COMMIT, "commit lacks one of did, version, data, rev, prev, sig");
        }
        return new Commit(did, version, data, rev, prev, sig);
    }

    /** The bytes the signature covers: canonical DAG-CBOR without {@code sig}, {@code prev: null} kept. */
    public byte[] unsignedBytes() {
        return unsignedBytes(did, version, data, rev, prev);
    }

    private static byte[] unsignedBytes(String did, long version, Cid data, String rev, Cid prev) {
        return new DagCborWriter(160).mapHeader(5)
                .text("did").text(did)
                .text("rev").text(rev)
                .text("data").link(data)
                .text("prev").linkOrNull(prev)
                .text("version").integer(version)
                .toByteArray();
    }

    /** The signed block as stored in a CAR. */
    public byte[] encode() {
        return new DagCborWriter(240).mapHeader(6)
                .text("did").text(did)
                .text("rev").text(rev)
                .text("sig").bytes(sig)
                .text("data").link(data)
                .text("prev").linkOrNull(prev)
                .text("version").integer(version)
                .toByteArray();
    }

    public boolean verifySignature(AtprotoPublicKey key) {
        return key.verify(unsignedBytes(), sig);
    }

    @Override
    public byte[] sig() {
        return sig.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Commit c && did.equals(c.did) && version == c.version && data.equals(c.data)
                && rev.equals(c.rev) && Objects.equals(prev, c.prev) && Arrays.equals(sig, c.sig);
    }

    @Override
    public int hashCode() {
        return Objects.hash(did, version, data, rev, prev, Arrays.hashCode(sig));
    }

    @Override
    public String toString() {
        return "Commit[did=" + did + ", version=" + version + ", data=" + data + ", rev=" + rev + ", prev=" + prev + "]";
    }
}
