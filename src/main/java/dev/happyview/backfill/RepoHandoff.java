package dev.happyview.backfill;

import java.util.List;

/**
 * Where a job in {@link BackfillMode#TAP} sends its discovered repos: a service that resolves and fetches them
 * itself. Implemented outside this package and passed in by the composition root.
 */
public interface RepoHandoff {
    /** The most DIDs one {@link #handOff} call takes. */
    int batchSize();

    /**
     * Hands the repos over; with {@code refetch} the receiver fetches them again even if it already has them.
     * Transient failures are retried inside; a failure that remains is thrown.
     */
    void handOff(List<String> dids, boolean refetch) throws HandoffException, InterruptedException;

    /** The receiver refused the repos or stayed unreachable; the message says which, for the job's error. */
    final class HandoffException extends Exception {
        public HandoffException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
