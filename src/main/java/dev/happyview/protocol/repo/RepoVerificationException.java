package dev.happyview.protocol.repo;

/**
 * Why a repo (CAR, commit or MST) was refused. Callers record {@link #kind()} as the per-repo failure
 * reason and the message as detail.
 */
public final class RepoVerificationException extends RuntimeException {
    /** Failure categories, stable enough to store. */
    public enum Kind {
        /** The commit signature does not verify with the given key (or is high-S / not 64 bytes). */
        BAD_SIGNATURE,
        /** The commit's {@code did} is not the repo we asked for. */
        WRONG_DID,
        /** The commit is structurally wrong: version, rev, fields or types. */
        BAD_COMMIT,
        /** An MST node or record block reachable from the commit is not in the CAR. */
        MISSING_BLOCK,
        /** A block's bytes do not hash to its CID. */
        HASH_MISMATCH,
        /** The CAR ended in the middle of a header, section, CID or block. */
        TRUNCATED,
        /** The CAR framing is wrong: header, version, roots, CID prefix. */
        MALFORMED_CAR,
        /** A block is not valid atproto DAG-CBOR. */
        MALFORMED_CBOR,
        /** The MST breaks its invariants: key order, key heights, layers, prefix compression. */
        INVALID_MST,
        /** A size, count or depth limit was exceeded (hostile or absurd input). */
        LIMIT_EXCEEDED
    }

    private final Kind kind;

    public RepoVerificationException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public RepoVerificationException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    /** Maps a DAG-CBOR failure inside a block to MALFORMED_CBOR or LIMIT_EXCEEDED. */
    public static RepoVerificationException of(DagCborException e, String context) {
        Kind kind = e.kind() == DagCborException.Kind.LIMIT_EXCEEDED ? Kind.LIMIT_EXCEEDED : Kind.MALFORMED_CBOR;
        return new RepoVerificationException(kind, context + ": " + e.getMessage(), e);
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String getMessage() {
        return kind + ": " + super.getMessage();
    }
}
