package dev.happyview.protocol.xrpc;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Politeness toward one host, shared by every caller in the process:
 * <ul>
 *   <li>at most {@code concurrency} requests in flight;</li>
 *   <li>each request is charged to one of the host's {@link Budget}s: the host's own budget, unless the host
 *       announced a different one for that endpoint (newer PDS versions keep {@code getRepo} in its own, larger
 *       budget: the {@code RateLimit-Policy} of its answers differs). A request waits for its budget before it takes a
 *       concurrency slot, so one endpoint waiting for its window never holds the slots another endpoint could use;</li>
 *   <li>after a 429, no request on that budget until the announced reset; a 429 that announces nothing blocks the
 *       whole host;</li>
 *   <li>slow start: until a host has answered once, one request at a time, and likewise for each endpoint until it
 *       has been answered once, so a burst never goes out before the host has had a chance to announce the budget it
 *       charges.</li>
 * </ul>
 */
final class HostPolicy {
    /** A reserved request: release it once, when its answer has been read. */
    interface Permit {
        void release();
    }

    private final Semaphore inFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final double defaultRate;
    private final int defaultBurst;
    private final Budget main;
    /** Endpoints the host charges to a budget other than {@link #main}. */
    private final Map<String, Budget> byEndpoint = new HashMap<>();
    /** Budgets other than {@link #main}, by their announced policy. */
    private final Map<String, Budget> byPolicy = new HashMap<>();
    private long blockedUntilMillis;
    private boolean answered;
    private int sent;
    /** Requests in flight per endpoint that has not been answered yet (absent once answered). */
    private final Map<String, Integer> unansweredEndpoints = new HashMap<>();
    private final Set<String> answeredEndpoints = new HashSet<>();

    HostPolicy(int concurrency, double defaultRate, int defaultBurst) {
        this.inFlight = new Semaphore(concurrency, true);
        this.defaultRate = defaultRate;
        this.defaultBurst = defaultBurst;
        this.main = new Budget(defaultRate, defaultBurst);
    }

    private Budget budgetOf(String endpoint) {
        return byEndpoint.getOrDefault(endpoint, main);
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
            release(budget, endpoint);
            throw e;
        }
        Budget reserved = budget;
        return () -> {
            release(reserved, endpoint);
            inFlight.release();
        };
    }

    private void release(Budget budget, String endpoint) {
        lock.lock();
        try {
            sent--;
            budget.release();
            unansweredEndpoints.computeIfPresent(endpoint, (e, n) -> n - 1);
        } finally {
            lock.unlock();
        }
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
            if ((!answered && sent > 0) || unansweredEndpoints.getOrDefault(endpoint, 0) > 0) {
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
            if (!answeredEndpoints.contains(endpoint)) unansweredEndpoints.merge(endpoint, 1, Integer::sum);
            return budget;
        } finally {
            lock.unlock();
        }
    }

    /** Learns from every response: which budget the endpoint is charged to, its state, and the block after a 429. */
    void onResponse(String endpoint, int status, RateLimitHeaders h) {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            answered = true;
            if (answeredEndpoints.add(endpoint)) unansweredEndpoints.remove(endpoint);
            Budget budget = budgetOf(endpoint);
            if (h.announced()) {
                budget = chargedBudget(endpoint, policyKey(h));
                budget.onAnnounced(h, policyKey(h));
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
     * The budget an answer was charged to: the host's own until an endpoint announces a different policy than the
     * one the host's own budget announced; then that endpoint has its own from now on.
     */
    private Budget chargedBudget(String endpoint, String key) {
        Budget current = budgetOf(endpoint);
        if (key == null || current.key() == null || current.key().equals(key)) return current;
        if (main.key() != null && main.key().equals(key)) {
            byEndpoint.remove(endpoint);
            return main;
        }
        Budget other = byPolicy.computeIfAbsent(key, k -> new Budget(defaultRate, defaultBurst));
        byEndpoint.put(endpoint, other);
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
            return answered ? Optional.of(budgetOf(endpoint).view(System.currentTimeMillis())) : Optional.empty();
        } finally {
            lock.unlock();
        }
    }
}
