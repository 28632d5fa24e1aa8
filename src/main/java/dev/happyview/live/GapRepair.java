package dev.happyview.live;

import java.util.UUID;

/**
 * Starts the backfill that repairs what a live source missed. The composition root wires it to the backfill
 * service; the live package does not know how jobs work.
 */
@FunctionalInterface
public interface GapRepair {
    /**
     * @param did one repo to fetch again, or null for every repo of the record collections
     * @return the job started
     */
    UUID backfill(String did) throws Exception;
}
