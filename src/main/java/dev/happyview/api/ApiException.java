package dev.happyview.api;

import dev.happyview.store.Database;

/** An error that reaches the client as {@code {"error": name, "message": message}} with an HTTP status. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String error;

    public ApiException(int status, String error, String message) {
        super(message);
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "InvalidRequest", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NotFound", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "AuthRequired", message);
    }

    public static ApiException forbidden(String permission) {
        return new ApiException(403, "InsufficientPermissions", "Missing permission: " + permission);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message);
    }

    /** 503: the database does not answer (the driver's reason); backfill jobs are paused meanwhile. */
    public static ApiException databaseUnavailable(Exception cause) {
        return unavailable("the database is unavailable (" + Database.describe(cause)
                + "); backfill jobs are paused and resume by themselves when it is back");
    }
}
