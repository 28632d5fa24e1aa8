package dev.happyview.backfill;

import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.xrpc.RelayClient;
import dev.happyview.store.Database;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a job's repos: the accounts the job names, if any, otherwise every repo the relay lists for each target
 * collection. Each page's DIDs and the cursor after it are saved in one transaction, so a resumed job continues
 * from its last saved page and a page is never half-recorded.
 */
final class Discovery {
    private static final Logger log = LoggerFactory.getLogger(Discovery.class);
    static final int PAGE_SIZE = 1000;

    private final Database db;
    private final JobStore jobs;
    private final RepoStore repos;
    private final RelayClient relay;

    Discovery(Database db, JobStore jobs, RepoStore repos, RelayClient relay) {
        this.db = db;
        this.jobs = jobs;
        this.repos = repos;
        this.relay = relay;
    }

    /**
     * Runs until discovery is complete or {@code keepGoing} turns false.
     *
     * @param found called after each saved page, so workers can start on the new repos at once
     */
    void run(BackfillJob job, BooleanSupplier keepGoing, Runnable found) throws Exception {
        List<String> collections = job.collections();
        if (!job.dids().isEmpty()) {
            savePage(job, job.dids(), collections, collections.size(), null, true);
            found.run();
            return;
        }
        int index = job.discoveryIndex();
        String cursor = job.discoveryCursor();
        while (index < collections.size()) {
            if (!keepGoing.getAsBoolean()) return;
            String collection = collections.get(index);
            RelayClient.RepoPage page;
            try {
                page = relay.listReposByCollection(collection, cursor, PAGE_SIZE);
            } catch (Exception e) {
                throw new DiscoveryException("relay listReposByCollection failed for " + collection + ": " + e.getMessage(), e);
            }
            var dids = new LinkedHashSet<String>();
            for (String did : page.dids()) {
                if (Did.isValid(did)) dids.add(did);
                else log.warn("job {}: relay listed an invalid DID {}, ignored", job.id(), abbreviate(did));
            }
            String next = page.cursor();
            boolean lastPage = next == null || next.isEmpty() || page.dids().isEmpty() || next.equals(cursor);
            int nextIndex = lastPage ? index + 1 : index;
            String nextCursor = lastPage ? null : next;
            savePage(job, new ArrayList<>(dids), List.of(collection), nextIndex, nextCursor, nextIndex >= collections.size());
            found.run();
            index = nextIndex;
            cursor = nextCursor;
        }
        if (collections.isEmpty()) savePage(job, List.of(), List.of(), 0, null, true);
    }

    private void savePage(BackfillJob job, List<String> dids, List<String> collections, int index, String cursor,
            boolean done) throws Exception {
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            try {
                if (collections.size() == 1) {
                    repos.insertDiscovered(c, job.id(), dids, collections.getFirst());
                } else {
                    for (String collection : collections) repos.insertDiscovered(c, job.id(), dids, collection);
                }
                jobs.saveDiscoveryProgress(c, job.id(), index, cursor, done);
                c.commit();
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
