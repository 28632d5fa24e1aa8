package dev.happyview.backfill;

/**
 * Why one repo could not be fetched. Permanent failures mark the repo {@code skipped} (retrying cannot help);
 * transient ones are retried with backoff until the attempts run out.
 */
sealed interface RepoFailure {
    String reason();

    record Permanent(String reason) implements RepoFailure {}

    record Transient(String reason) implements RepoFailure {}
}
