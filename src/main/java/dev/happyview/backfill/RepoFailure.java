package dev.happyview.backfill;

/**
 * Why one repo could not be fetched. Permanent failures mark the repo {@code skipped} (retrying cannot help);
 * transient ones are retried with backoff until the attempts run out.
 */
sealed interface RepoFailure {
    String reason();

    /**
     * @param accountStatus the account's status as the repo's host answered it ({@code deleted} for a repo it does not
     *     have, {@code takendown}, {@code suspended}, {@code deactivated}); null when the failure says nothing of it
     */
    record Permanent(String reason, String accountStatus) implements RepoFailure {
        Permanent(String reason) {
            this(reason, null);
        }
    }

    record Transient(String reason) implements RepoFailure {}
}
