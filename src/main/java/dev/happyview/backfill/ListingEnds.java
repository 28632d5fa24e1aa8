package dev.happyview.backfill;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * When a {@code listRecords} page shorter than the limit may be taken as the end of a collection, per PDS host.
 *
 * <p>The reference PDS builds a page with one SQL query ({@code LIMIT}, the soft-delete filter in its
 * {@code WHERE}) and returns a cursor on every non-empty page: a short page is the end, and the empty page a client
 * asks for next is a wasted request. The lexicon does not promise that, and another implementation may drop records
 * after its query or cap the page below the limit asked. So a host earns the shortcut by showing it behaves that way:
 * <ol>
 *   <li>it answered a full page (as many records as asked), so it does not cap pages below the limit;</li>
 *   <li>on {@value #CONFIRMATIONS} short pages the page after came back empty;</li>
 *   <li>nothing it ever answered contradicted that.</li>
 * </ol>
 * Once trusted, every {@value #SAMPLE_EVERY}th short page is still followed by the closing request. A non-empty page
 * after a short one ends the host's trust for good, and {@code onDistrust} is told, so repos already finished on it
 * can be fetched again: the index stays exact. A repo whose listing ended at a short page is recorded as completed
 * only while its host is still trusted ({@link #complete}), so no completion slips in after that reopening.
 */
final class ListingEnds {
    static final int CONFIRMATIONS = 3;
    static final int SAMPLE_EVERY = 16;

    private static final class Host {
        boolean fullPageSeen;
        int confirmations;
        boolean distrusted;
        long shortPagesSkipped;
        /** Repos whose listing ended at a short page without the closing request, until their outcome is recorded. */
        final Set<String> relying = ConcurrentHashMap.newKeySet();
        /** Read: recording such a repo as completed; write: losing trust. */
        final ReadWriteLock trust = new ReentrantReadWriteLock();
    }

    /** Records a repo's completion; false when it was not recorded (another process holds the repo). */
    interface Completion {
        boolean record() throws Exception;
    }

    private final Map<String, Host> hosts = new ConcurrentHashMap<>();
    private final Consumer<String> onDistrust;

    /** {@code onDistrust} receives a host the moment it loses trust. */
    ListingEnds(Consumer<String> onDistrust) {
        this.onDistrust = onDistrust;
    }

    private Host host(String pds) {
        return hosts.computeIfAbsent(pds, h -> new Host());
    }

    /** The host answered a page with as many records as asked. */
    void fullPage(String pds) {
        Host h = host(pds);
        synchronized (h) {
            h.fullPageSeen = true;
        }
    }

    /** Whether this host's short pages end its listings without the closing request (most of the time). */
    boolean trusted(String pds) {
        Host h = host(pds);
        synchronized (h) {
            return !h.distrusted && h.fullPageSeen && h.confirmations >= CONFIRMATIONS;
        }
    }

    /**
     * After a short page of repo {@code did}: true to stop here, false to ask for the next page (to check, or because
     * trust is not earned). A true answer holds the repo to {@link #complete}.
     */
    boolean endsAtShortPage(String pds, String did) {
        Host h = host(pds);
        synchronized (h) {
            if (h.distrusted || !h.fullPageSeen || h.confirmations < CONFIRMATIONS) return false;
            if (++h.shortPagesSkipped % SAMPLE_EVERY == 0) return false;
        }
        h.relying.add(did);
        return true;
    }

    /**
     * Records the completion of repo {@code did} listed from {@code pds}. If a listing of it ended at a short page,
     * the completion is recorded while the host cannot lose its trust; if it already has, the repo is not recorded
     * and must be fetched again (a transient failure). Either the completion is in the database before the host's
     * completed repos are reopened, or it is never recorded.
     */
    boolean complete(String pds, String did, Completion completion) throws Exception {
        Host h = hosts.get(pds);
        if (h == null || !h.relying.remove(did)) return completion.record();
        h.trust.readLock().lock();
        try {
            synchronized (h) {
                if (h.distrusted) {
                    throw RepoFetchException.transientFailure(pds + " sent records after a short listRecords page; "
                            + "the repo is listed again", null);
                }
            }
            return completion.record();
        } finally {
            h.trust.readLock().unlock();
        }
    }

    /** What the page after a short page held: nothing confirms the rule, anything breaks it. */
    void afterShortPage(String pds, boolean empty) {
        Host h = host(pds);
        if (empty) {
            synchronized (h) {
                h.confirmations++;
            }
            return;
        }
        boolean lost;
        h.trust.writeLock().lock(); // waits for completions being recorded on the strength of the trust
        try {
            synchronized (h) {
                lost = !h.distrusted;
                h.distrusted = true;
            }
        } finally {
            h.trust.writeLock().unlock();
        }
        if (lost) onDistrust.accept(pds);
    }
}
