package dev.happyview.protocol.firehose;

/** Why a {@code #commit} or {@code #sync} was refused; {@link #kind()} is the reason callers count and store. */
public final class CommitRejectedException extends RuntimeException {
    /** Rejection reasons, stable enough to store. */
    public enum Kind {
        /** The CAR slice, the commit block or a record is not well-formed (or a block does not hash to its CID). */
        MALFORMED,
        /** A size or count limit was exceeded. */
        TOO_BIG,
        /** The event's fields disagree with the signed commit (DID, rev, commit CID). */
        EVENT_MISMATCH,
        /** The commit signature does not verify with the account's key, even after a refresh. */
        BAD_SIGNATURE,
        /** A block needed to check an op (MST node or record) is not in the slice. */
        INCOMPLETE,
        /** An MST node in the slice breaks the tree's invariants. */
        INVALID_MST,
        /** The ops do not match the signed tree: a value differs, or inverting them does not give {@code prevData}. */
        OPS_MISMATCH
    }

    private final Kind kind;

    public CommitRejectedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public CommitRejectedException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String getMessage() {
        return kind + ": " + super.getMessage();
    }
}
