package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.syntax.Nsid;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The state every simulated server reads: the repos (by index, DID and handle), the relay's per-collection listing,
 * and the changes made while the network runs. It is the only writer of that state; servers that must react to a
 * change (a cache to drop, a live stream to feed) subscribe with {@link #onMutation}.
 *
 * <p>The relay lists a repo for a collection from the first record it ever had there, in that order, and keeps
 * listing it after the collection empties (as collectiondir does).
 */
final class RepoRegistry {
    /** One page of the relay's listing of a collection, and how many repos that listing holds. */
    record ListingPage(List<SimRepo> repos, int total) {}

    private final Scenario scenario;
    private final List<SimRepo> repos = new CopyOnWriteArrayList<>();
    private final Map<String, SimRepo> byDid = new ConcurrentHashMap<>();
    private final Map<String, SimRepo> byHandle = new ConcurrentHashMap<>();
    private final Object listingLock = new Object();
    private final Map<String, List<SimRepo>> listing = new HashMap<>();
    private final Map<String, Set<String>> listed = new HashMap<>();
    private final List<Consumer<Mutation>> listeners = new CopyOnWriteArrayList<>();
    private final Object mutationLock = new Object();

    RepoRegistry(Scenario scenario) {
        this.scenario = scenario;
    }

    void register(SimRepo r) {
        repos.add(r);
        byDid.put(r.did, r);
        byHandle.put(r.handle, r);
        for (String c : r.collectionCounts().keySet()) {
            list(c, r);
        }
    }

    private void list(String collection, SimRepo r) {
        synchronized (listingLock) {
            if (listed.computeIfAbsent(collection, k -> new HashSet<>()).add(r.did)) {
                listing.computeIfAbsent(collection, k -> new ArrayList<>()).add(r);
            }
        }
    }

    // ---------------------------------------------------------------- reads

    /** Every repo, in index order. */
    List<SimRepo> all() {
        return repos;
    }

    int size() {
        return repos.size();
    }

    SimRepo at(int index) {
        return repos.get(index);
    }

    /** The repo with this DID, or null. */
    SimRepo find(String did) {
        return did == null ? null : byDid.get(did);
    }

    /** The repo with this DID or handle, or null. */
    SimRepo findByDidOrHandle(String repo) {
        if (repo == null) {
            return null;
        }
        return repo.startsWith("did:") ? byDid.get(repo) : byHandle.get(repo);
    }

    /** The repo with this DID; an unknown DID is the caller's mistake. */
    SimRepo get(String did) {
        SimRepo r = byDid.get(did);
        if (r == null) {
            throw new IllegalArgumentException("unknown repo " + did);
        }
        return r;
    }

    /** Repos {@code [offset, offset+limit)} of the relay's listing of a collection. */
    ListingPage listingPage(String collection, int offset, int limit) {
        synchronized (listingLock) {
            List<SimRepo> all = listing.getOrDefault(collection, List.of());
            int from = Math.clamp(offset, 0, all.size());
            return new ListingPage(List.copyOf(all.subList(from, Math.min(all.size(), from + limit))), all.size());
        }
    }

    /** The relay's listing of each collection, in listing order (a copy). */
    Map<String, List<SimRepo>> listings(Set<String> collections) {
        Map<String, List<SimRepo>> out = new HashMap<>();
        synchronized (listingLock) {
            for (String c : collections) {
                out.put(c, List.copyOf(listing.getOrDefault(c, List.of())));
            }
        }
        return out;
    }

    /**
     * For each collection the relay lists, the DIDs it lists (only {@code didOrNull}'s own membership when given: the
     * Tap simulator asks once per repo).
     */
    Map<String, Set<String>> listedDids(Set<String> collections, String didOrNull) {
        Map<String, Set<String>> out = new HashMap<>();
        synchronized (listingLock) {
            for (String c : collections) {
                Set<String> v = listed.get(c);
                if (v == null) continue;
                out.put(c, didOrNull == null ? Set.copyOf(v) : v.contains(didOrNull) ? Set.of(didOrNull) : Set.of());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- changes

    /** Called with every change, in order, while the change holds the mutation lock. */
    void onMutation(Consumer<Mutation> listener) {
        listeners.add(listener);
    }

    String createRecord(String did, String collection, JsonNode value) {
        Nsid.parse(collection);
        synchronized (mutationLock) {
            SimRepo r = get(did);
            SimRepo.Entry e = r.create(collection, value);
            list(collection, r);
            fire(new Mutation(Mutation.Type.CREATE, did, collection, e.rkey(), r.cid(e).toString(), r.value(e), r.rev()));
            return "at://" + did + "/" + e.key();
        }
    }

    String updateRecord(String uri, JsonNode value) {
        String[] p = splitUri(uri);
        synchronized (mutationLock) {
            SimRepo r = get(p[0]);
            SimRepo.Entry e = r.update(p[1] + "/" + p[2], value);
            if (e == null) {
                throw new IllegalArgumentException("no such record: " + uri);
            }
            String cid = r.cid(e).toString();
            fire(new Mutation(Mutation.Type.UPDATE, p[0], p[1], p[2], cid, r.value(e), r.rev()));
            return cid;
        }
    }

    boolean deleteRecord(String uri) {
        String[] p = splitUri(uri);
        synchronized (mutationLock) {
            SimRepo r = get(p[0]);
            if (!r.delete(p[1] + "/" + p[2])) {
                return false;
            }
            fire(new Mutation(Mutation.Type.DELETE, p[0], p[1], p[2], null, null, r.rev()));
            return true;
        }
    }

    String addRepo(int records) {
        synchronized (mutationLock) {
            int i = repos.size();
            SimRepo r = new SimRepo(scenario.seed(), i, Seeds.plcDid(scenario.seed(), i, "did"), i % scenario.pdsHosts(),
                    false, false, null, scenario.collections(), records);
            register(r);
            fire(new Mutation(Mutation.Type.REPO_CREATED, r.did, null, null, null, null, r.rev()));
            return r.did;
        }
    }

    /** Deletes an account and all its records; the relay keeps listing it, its PDS answers that it does not exist. */
    void deleteAccount(String did) {
        synchronized (mutationLock) {
            SimRepo r = get(did);
            r.deleteAccount();
            fire(new Mutation(Mutation.Type.ACCOUNT_DELETED, did, null, null, null, null, r.rev()));
        }
    }

    /** Moves a repo to another PDS host: its DID document names the new one, the old one no longer has it. */
    void migrate(String did, int toHost) {
        synchronized (mutationLock) {
            SimRepo r = get(did);
            r.home = toHost;
            fire(new Mutation(Mutation.Type.MIGRATED, did, null, null, null, null, r.rev()));
        }
    }

    private void fire(Mutation m) {
        for (Consumer<Mutation> l : listeners) {
            l.accept(m);
        }
    }

    private static String[] splitUri(String uri) {
        if (uri == null || !uri.startsWith("at://")) {
            throw new IllegalArgumentException("not an AT-URI: " + uri);
        }
        String[] p = uri.substring(5).split("/");
        if (p.length != 3) {
            throw new IllegalArgumentException("not a record AT-URI: " + uri);
        }
        return p;
    }
}
