package dev.happyview.backfill;

import java.util.function.BooleanSupplier;

/** One way of getting a repo's records into the index. Returns the number of records indexed. */
interface FetchStrategy {
    String name();

    int fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException;
}
