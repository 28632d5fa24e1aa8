package dev.happyview.tap;

/** A failed call to Tap; {@code unauthorized} when Tap rejected the admin password. */
public final class TapException extends Exception {
    private final int status;

    public TapException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public boolean unauthorized() {
        return status == 401;
    }
}
