package dev.happyview.protocol.repo;

/** Bytes or JSON that are not valid atproto DAG-CBOR, or that exceed a decoding limit. */
public final class DagCborException extends RuntimeException {
    /** Why the input was refused: callers map this to a per-repo failure reason. */
    public enum Kind { MALFORMED, LIMIT_EXCEEDED }

    private final Kind kind;

    public DagCborException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public DagCborException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    static DagCborException malformed(String message) {
        return new DagCborException(Kind.MALFORMED, message);
    }

    static DagCborException limit(String message) {
        return new DagCborException(Kind.LIMIT_EXCEEDED, message);
    }

    public Kind kind() {
        return kind;
    }
}
