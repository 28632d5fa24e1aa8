package dev.happyview.protocol.xrpc;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Politeness toward one host, shared by every caller in the process:
 * <ul>
 *   <li>at most {@code concurrency} requests in flight;</li>
 *   <li>each request is charged to one of the host's {@link Budget}s. The host starts with one; an endpoint whose
 *       answers announce a different {@code RateLimit-Policy} gets a budget of its own from then on (newer PDS versions
 *       keep {@code getRepo} apart, with a larger budget). An endpoint not answered yet is charged to the most
 *       constraining budget known. A request waits for its budget before it takes a connection, so one endpoint
 *       waiting for its window never holds the connections another endpoint could use;</li>
 *   <li>after a 429, no request on that budget until the announced reset; a 429 that announces nothing blocks the
 *       whole host;</li>
 *   <li>slow start: until a host has answered once, one request at a time, and likewise for each endpoint until it
 *       has been answered once, so a burst never goes out before the host has had a chance to announce the budget it
 *       charges.</li>
 * </ul>
 */
final class HostPolicy {
    /** A reserved request: release it once, when its answer has been read. */
    final class Permit {
        private final Budget budget;
        private final String endpoint;
        private boolean released;

        private Permit(Budget budget, String endpoint) {
            this.budget = budget;
            this.endpoint = endpoint;
        }

        void release() {
            lock.lock();
            try {
                if (released) return;
                released = true;
                free(budget, endpoint);
            } finally {
                lock.unlock();
            }
            inFlight.release();
        }
    }

    private final Semaphore inFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final double defaultRate;
    private final int defaultBurst;
    /** The host's budgets, the first one from the start; the others as endpoints announce them. */
    private final List<Budget> budgets = new ArrayList<>();
    /** Answered endpoints → the budget their last announcing answer was charged to. */
    private final Map<String, Budget> byEndpoint = new HashMap<>();
    /** Requests in flight per endpoint that has not been answered yet. */
    private final Map<String, Integer> unanswered = new HashMap<>();
    private long blockedUntilMillis;
    private boolean answered;
    private int sent;

    HostPolicy(int concurrency, double defaultRate, int defaultBurst) {
        this.inFlight = new Semaphore(concurrency, true);
        this.defaultRate = defaultRate;
        this.defaultBurst = defaultBurst;
        budgets.add(new Budget(defaultRate, defaultBurst));
    }

    private Budget budgetOf(String endpoint) {
        Budget b = byEndpoint.get(endpoint);
        return b != null ? b : mostConstraining();
    }

    /** The announced budget with the fewest points, or the host's first one while none announced. */
    private Budget mostConstraining() {
        Budget best = budgets.getFirst();
        for (Budget b : budgets) {
            if (b.key() != null && (best.key() == null || b.limit() < best.limit())) best = b;
        }
        return best;
    }

    /** Milliseconds until this host accepts requests to {@code endpoint} again after a 429, or 0. */
    long blockedForMillis(String endpoint) {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            return Math.max(Math.max(0, blockedUntilMillis - now), budgetOf(endpoint).blockedForMillis(now));
        } finally {
            lock.unlock();
        }
    }

    /** Waits until the host may receive a request to {@code endpoint} now. */
    Permit acquire(String endpoint) throws InterruptedException {
        Budget budget;
        while (true) {
            long[] wait = {0};
            budget = reserveOrWait(endpoint, wait);
            if (budget != null) break;
            TimeUnit.MILLISECONDS.sleep(Math.min(wait[0], 1000));
        }
        try {
            inFlight.acquire();
        } catch (InterruptedException e) {
            lock.lock();
            try {
                free(budget, endpoint);
            } finally {
                lock.unlock();
            }
            throw e;
        }
        return new Permit(budget, endpoint);
    }

    /** Called with the lock held. */
    private void free(Budget budget, String endpoint) {
        sent--;
        budget.release();
        unanswered.computeIfPresent(endpoint, (e, n) -> n <= 1 ? null : n - 1);
    }

    /** The budget with a point reserved, or null with {@code wait[0]} set to the ms to wait. */
    private Budget reserveOrWait(String endpoint, long[] wait) {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            if (now < blockedUntilMillis) {
                wait[0] = blockedUntilMillis - now;
                return null;
            }
            boolean known = byEndpoint.containsKey(endpoint);
            if ((!answered && sent > 0) || (!known && unanswered.containsKey(endpoint))) {
                wait[0] = 10;
                return null;
            }
            Budget budget = budgetOf(endpoint);
            long w = budget.reserveOrWait(now);
            if (w > 0) {
                wait[0] = w;
                return null;
            }
            sent++;
            if (!known) unanswered.merge(endpoint, 1, Integer::sum);
            return budget;
        } finally {
            lock.unlock();
        }
    }

    /** Learns from every response: which budget the endpoint is charged to, its state, and the block after a 429. */
    void onResponse(Permit permit, int status, RateLimitHeaders h) {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            answered = true;
            Budget budget = permit.budget;
            if (h.announced()) {
                budget = charged(permit.budget, policyKey(h));
                budget.onAnnounced(h, policyKey(h));
                byEndpoint.put(permit.endpoint, budget);
            } else if (!byEndpoint.containsKey(permit.endpoint)) {
                byEndpoint.put(permit.endpoint, budget);
            }
            if (status == 429) {
                long until = Math.max(now + h.waitAfter429(now).toMillis(), now + 250); // a past reset still pauses
                if (h.announced()) {
                    budget.blockUntil(until);
                } else {
                    blockedUntilMillis = Math.max(blockedUntilMillis, until);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The budget an announcing answer was charged to: the one already known by that policy, else the one the request
     * reserved on if that one has not announced a policy yet, else a new budget.
     */
    private Budget charged(Budget reserved, String key) {
        if (key == null) return reserved;
        for (Budget b : budgets) {
            if (key.equals(b.key())) return b;
        }
        if (reserved.key() == null) return reserved;
        Budget other = new Budget(defaultRate, defaultBurst);
        budgets.add(other);
        return other;
    }

    /** {@code limit;w=window} as announced, or null when the host names no limit. */
    private static String policyKey(RateLimitHeaders h) {
        if (h.limit().isEmpty()) return null;
        return h.limit().getAsLong() + (h.policyWindowSeconds().isPresent() ? ";w=" + h.policyWindowSeconds().getAsLong() : "");
    }

    /** The budget requests to {@code endpoint} are charged to, as it stands now; empty until the host answered once. */
    Optional<HostBudget> budget(String endpoint) {
        lock.lock();
        try {
            if (!answered) return Optional.empty();
            return Optional.of(budgetOf(endpoint).view(System.currentTimeMillis()).learned(byEndpoint.containsKey(endpoint)));
        } finally {
            lock.unlock();
        }
    }
}
