package dev.happyview.backfill;

import java.util.function.BooleanSupplier;

/** One way of getting a repo's records into the index. */
interface FetchStrategy {
    String name();

    Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException;

    /**
     * Records the completion of a repo this strategy fetched; false when it was not recorded. A strategy may refuse
     * with a transient failure when what it fetched can no longer be trusted.
     */
    default boolean complete(RepoWork work, ListingEnds.Completion completion) throws Exception {
        return completion.record();
    }
}
