package dev.happyview.backfill;

import java.util.function.BooleanSupplier;

/** One way of getting a repo's records into the index. */
interface FetchStrategy {
    String name();

    Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException;
}
