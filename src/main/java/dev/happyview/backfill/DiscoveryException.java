package dev.happyview.backfill;

/** Discovery could not go on (the relay kept failing after retries, or rejected the request): the job fails. */
final class DiscoveryException extends Exception {
    DiscoveryException(String message, Throwable cause) {
        super(message, cause);
    }
}
