package dev.happyview.firehose;

import java.util.UUID;

/**
 * Starts and follows the backfill jobs that resync repos. The composition root wires it to the backfill service; the
 * firehose package does not know how jobs work.
 */
public interface ResyncJobs {
    /** Starts the resync of one repo: a verified whole-repo fetch ({@code getRepo}) of the record collections, pruning. */
    UUID start(String did) throws Exception;

    /** Whether a job started earlier is still pending or running. */
    boolean active(UUID job) throws Exception;
}
