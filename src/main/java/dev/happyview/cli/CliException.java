package dev.happyview.cli;

/** A failure the command line reports as one line on stderr and exit code 2 (bad input, HTTP error, no server). */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message);
    }
}
