package dev.happyview.protocol.xrpc;

import java.io.IOException;

/**
 * A failed call, classified. {@link Kind#PERMANENT}: retrying cannot help (the repo or DID is gone, the request
 * is refused, the answer breaks the protocol). {@link Kind#TRANSIENT}: the server or network may recover (5xx,
 * timeouts, resets, truncated bodies, rate limits that outlasted the wait cap).
 */
public final class XrpcException extends IOException {
    public enum Kind { PERMANENT, TRANSIENT }

    private final Kind kind;
    private final int status;
    private final String error;

    public XrpcException(Kind kind, int status, String error, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.error = error;
    }

    public static XrpcException permanent(int status, String error, String message) {
        return new XrpcException(Kind.PERMANENT, status, error, message, null);
    }

    public static XrpcException transientFailure(int status, String error, String message, Throwable cause) {
        return new XrpcException(Kind.TRANSIENT, status, error, message, cause);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isPermanent() {
        return kind == Kind.PERMANENT;
    }

    /** The HTTP status, or 0 when no response arrived. */
    public int status() {
        return status;
    }

    /** The XRPC error name ({@code RepoNotFound}, …), or null. */
    public String error() {
        return error;
    }
}
