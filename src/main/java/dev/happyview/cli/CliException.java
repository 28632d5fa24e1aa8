package dev.happyview.cli;

/** A failure the command line reports as one line on stderr and exit code 2 (bad input, HTTP error, no server). */
public final class CliException extends RuntimeException {
    private final int httpStatus;

    public CliException(String message) {
        this(message, 0);
    }

    CliException(String message, int httpStatus) {
        super(message);
        this.httpStatus = httpStatus;
    }

    /** The server's HTTP status when the server answered with an error, else 0. */
    int httpStatus() {
        return httpStatus;
    }
}
