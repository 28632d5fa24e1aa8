package dev.happyview.firehose;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.happyview.Json;
import dev.happyview.firehose.ChainStore.Chain;
import dev.happyview.firehose.ChainStore.Gap;
import dev.happyview.firehose.ChainStore.Rejection;
import dev.happyview.live.LiveApplier;
import dev.happyview.protocol.firehose.CommitRejectedException;
import dev.happyview.protocol.firehose.CommitVerifier;
import dev.happyview.protocol.firehose.FirehoseEvent.AccountEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.IdentityEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InvalidEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.firehose.RepoOp;
import dev.happyview.protocol.firehose.SyncRules;
import dev.happyview.protocol.firehose.VerifiedCommit;
import dev.happyview.protocol.identity.SigningKeys;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.DagCborException;
import dev.happyview.records.RecordRow;
import dev.happyview.sync.AccountChanges;
import dev.happyview.sync.BufferApplier;
import dev.happyview.sync.BufferedEvent;
import dev.happyview.sync.RepoSyncStore;
import dev.happyview.sync.SyncState;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Firehose events as writes, under the sync rules. Before the transaction ({@link #prepare}, in the partition's
 * thread): events of repos this service does not follow (and {@code #sync}s at or below a repo's stored chain) are set
 * aside, and every other commit's signature is checked against the account's current key and its ops against the MST
 * in its CAR slice, inverted to {@code prevData}; only then are its ops filtered by the record lexicons. In the
 * transaction ({@link #apply}): a verified commit at or below the stored rev is no link of the chain; its deletes are
 * applied, and its creates and updates only while the repo's MST root is unknown (see {@code Run.commit}); any other
 * must chain on the repo's stored state ({@code since} = stored rev,
 * {@code prevData} = stored MST root); one that does not marks the repo desynchronized (a resync repairs it) and is
 * applied all the same, being signed, and so are the commits after it — every write is ordered by rev, so nothing
 * older wins. Refused events never reach the index and are recorded with their reason. Buffered events of a repo
 * that was being fetched are replayed by {@link #apply(Connection, String, List, Snapshot)} only while they chain on
 * what the fetch read.
 */
final class FirehoseApplier implements LiveApplier<FirehoseFrame>, BufferApplier {
    private static final Logger log = LoggerFactory.getLogger(FirehoseApplier.class);
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    static final String SOURCE = "firehose";

    private final ChainStore chains;
    private final SigningKeys keys;
    private final RepoSyncStore sync;
    private final RecordWrites writes;
    private final Predicate<String> isRecordCollection;
    private final FirehoseStats stats;

    FirehoseApplier(ChainStore chains, SigningKeys keys, RepoSyncStore sync, RecordWrites writes,
            Predicate<String> isRecordCollection, FirehoseStats stats) {
        this.chains = chains;
        this.keys = keys;
        this.sync = sync;
        this.writes = writes;
        this.isRecordCollection = isRecordCollection;
        this.stats = stats;
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public boolean routeRecordsRevision() {
        return false; // a commit's rev is the repo's only once it chained (apply)
    }

    @Override
    public List<FirehoseFrame> prepare(List<FirehoseFrame> events) throws SQLException {
        var dids = new HashSet<String>();
        for (FirehoseFrame f : events) {
            if (f.check() == null && f.did() != null) dids.add(f.did());
        }
        Map<String, Chain> known = chains.chains(dids);
        var needKeys = new HashSet<String>();
        for (FirehoseFrame f : events) {
            if (f.check() == null && needsKey(f, known.get(f.did()))) needKeys.add(f.did());
        }
        keys.prefetch(needKeys);
        long cpu0 = CPU.getCurrentThreadCpuTime();
        int verified = 0;
        var kept = new ArrayList<FirehoseFrame>(events.size());
        for (FirehoseFrame f : events) {
            if (f.check() == null) {
                f.check(check(f, known.get(f.did())));
                if (f.check() instanceof Check.Commit || f.check() instanceof Check.Sync) verified++;
            }
            if (!(f.check() instanceof Check.Skip)) kept.add(f);
            else if (((Check.Skip) f.check()).stale()) stats.staleIgnored();
        }
        stats.verified(verified, CPU.getCurrentThreadCpuTime() - cpu0);
        return kept;
    }

    /** Whether {@link #check} will verify the frame's signature (a key lookup for an account not seen yet). */
    private boolean needsKey(FirehoseFrame f, Chain chain) {
        return switch (f.event()) {
            case CommitEvent c -> !c.tooBig()
                    && (chain != null || c.ops().stream().anyMatch(op -> isRecordCollection.test(op.collection())));
            case SyncEvent s -> chain != null && !staleOnKnownRoot(chain, s.rev());
            default -> false;
        };
    }

    /** Checks one frame against what is known of its repo (null: the repo has no sync row). */
    private Check check(FirehoseFrame f, Chain chain) {
        return switch (f.event()) {
            case CommitEvent c -> {
                if (chain == null && c.ops().stream().noneMatch(op -> isRecordCollection.test(op.collection()))) {
                    yield Check.UNTRACKED;
                }
                // A commit at or below the stored rev is still verified, and its deletes applied (Run.commit). A tooBig
                // one is skipped only when the chain's MST root is known; otherwise it may hide a delete (Run.next).
                if (c.tooBig() && staleOnKnownRoot(chain, c.rev())) yield Check.STALE;
                if (c.tooBig()) yield new Check.Unusable("too_big_commit", "commit " + c.rev() + " is tooBig: its ops are not in the stream");
                yield verify(c);
            }
            case SyncEvent s -> {
                // A repo nobody indexed: a #sync alone does not say whether it holds records of the record collections.
                if (chain == null) yield Check.UNTRACKED;
                if (staleOnKnownRoot(chain, s.rev())) yield Check.STALE;
                yield verify(s);
            }
            case AccountEvent a -> chain == null ? Check.UNTRACKED : Check.PASS;
            case IdentityEvent i -> chain == null ? Check.UNTRACKED : Check.PASS;
            case InvalidEvent i -> Check.PASS;
            default -> Check.UNTRACKED; // info, errors and unknown frames are the source's business
        };
    }

    /**
     * Whether an event at {@code rev} is at or below a chain whose MST root is known (commits chained, or a pruning
     * whole-repo fetch): the index then holds that state, so the event brings nothing.
     */
    private static boolean staleOnKnownRoot(Chain chain, String rev) {
        return chain != null && chain.rev() != null && chain.data() != null && rev.compareTo(chain.rev()) <= 0;
    }

    private Check verify(CommitEvent c) {
        VerifiedCommit v;
        try {
            v = CommitVerifier.verify(c, keys.of(c.repo()));
        } catch (CommitRejectedException e) {
            return new Check.Rejected(e.kind().name().toLowerCase(Locale.ROOT), e.getMessage(), false);
        } catch (IOException e) {
            return new Check.Rejected("key_unavailable", e.getMessage(), true);
        }
        var out = new ArrayList<Check.Write>();
        for (VerifiedCommit.Op op : v.ops()) {
            RepoOp o = op.op();
            if (!isRecordCollection.test(o.collection())) continue; // filtered only now: every op was verified
            String uri = "at://" + c.repo() + "/" + o.path();
            if (o.action() == RepoOp.Action.DELETE) {
                out.add(new Check.Write(uri, o.collection(), o.rkey(), null, null, true));
                continue;
            }
            String json;
            try {
                json = Json.MAPPER.writeValueAsString(op.value());
            } catch (DagCborException | JsonProcessingException e) {
                return new Check.Rejected("malformed", "record " + o.path() + ": " + e.getMessage(), false);
            }
            if (RecordRow.hasNul(json)) {
                log.warn("firehose: record {} holds a NUL character, which Postgres jsonb cannot store; left out", uri);
                continue;
            }
            out.add(new Check.Write(uri, o.collection(), o.rkey(), o.cid().toString(), json, false));
        }
        return new Check.Commit(v, out);
    }

    private Check verify(SyncEvent s) {
        try {
            return new Check.Sync(CommitVerifier.verify(s, keys.of(s.did())).data().toString());
        } catch (CommitRejectedException e) {
            return new Check.Rejected(e.kind().name().toLowerCase(Locale.ROOT), e.getMessage(), false);
        } catch (IOException e) {
            return new Check.Rejected("key_unavailable", e.getMessage(), true);
        }
    }

    @Override
    public Outcome apply(Connection c, List<FirehoseFrame> events) throws SQLException {
        long cpu0 = CPU.getCurrentThreadCpuTime();
        var dids = new HashSet<String>();
        for (FirehoseFrame f : events) {
            if (f.did() != null) dids.add(f.did());
        }
        var run = new Run(c, chains.chains(c, dids), false);
        for (FirehoseFrame f : events) run.next(f);
        run.finish(true);
        stats.applied(CPU.getCurrentThreadCpuTime() - cpu0);
        return new Outcome(run.rejections.size(), run.identity, run.gaps.keySet());
    }

    /**
     * Replays a repo's buffered events after its fetch: in order, from the chain as stored (a pruning whole-repo
     * fetch's signed commit, else the commits chained before the fetch), and only while they chain; the first that does not leaves the repo desynchronized and ends the replay (the next resync starts over).
     * Without a snapshot (the fetch did not complete) the repo stays desynchronized and the verified events are applied
     * as they are while a repo is desynchronized.
     */
    @Override
    public Result apply(Connection c, String did, List<BufferedEvent> events, Snapshot snapshot) throws SQLException {
        // After a pruning whole-repo fetch the chain continues from its signed commit (the hand-off stored it); after
        // any other fetch, from the chain as it was: the buffered events are the commits since, in order.
        Chain stored = chains.chains(c, List.of(did)).get(did);
        SyncState state = snapshot != null ? SyncState.SYNCHRONIZED : SyncState.DESYNCHRONIZED;
        Chain base = stored != null ? stored.withState(state) : new Chain(did, null, null, state, null);
        var known = new HashMap<String, Chain>();
        known.put(did, base);
        var run = new Run(c, known, snapshot != null);
        for (BufferedEvent b : events) {
            FirehoseFrame f = FirehoseFrame.decode(b.payload());
            f.check(check(f, known.get(did)));
            if (f.check() instanceof Check.Skip skip) {
                if (skip.stale()) stats.staleIgnored();
                continue;
            }
            run.next(f);
            if (run.stopped != null) break;
        }
        run.finish(false);
        for (String id : run.identity) keys.invalidate(id);
        Chain end = known.get(did);
        String newest = end.rev() != null && (snapshot == null || snapshot.rev() == null || end.rev().compareTo(snapshot.rev()) > 0)
                ? end.rev() : null;
        return new Result(newest, run.stopped);
    }

    /** One pass over events in stream order, in one transaction. */
    private final class Run {
        final Connection c;
        final Map<String, Chain> known;
        final boolean stopAtGap;
        final Instant now = Instant.now();
        final Map<String, Chain> changed = new LinkedHashMap<>();
        final Map<String, Gap> gaps = new LinkedHashMap<>();
        final List<Rejection> rejections = new ArrayList<>();
        final Set<String> identity = new HashSet<>();
        final Map<String, RecordWrites.Pending> pending = new LinkedHashMap<>();
        String stopped;

        Run(Connection c, Map<String, Chain> known, boolean stopAtGap) {
            this.c = c;
            this.known = known;
            this.stopAtGap = stopAtGap;
        }

        void next(FirehoseFrame f) throws SQLException {
            Check check = f.check() != null ? f.check() : check(f, known.get(f.did()));
            String did = f.did();
            Chain chain = did == null ? null : known.computeIfAbsent(did, d -> new Chain(d, null, null, SyncState.SYNCHRONIZED, null));
            switch (check) {
                case Check.Skip skip -> {
                    if (skip.stale()) stats.staleIgnored();
                }
                case Check.Rejected r -> {
                    reject(f, r.kind(), r.detail());
                    if (r.missed() && did != null) gap(chain, r.kind(), r.detail());
                }
                case Check.Unusable u -> {
                    // At or below a rev whose root is unknown (a listing's), its unreadable ops may be a delete the
                    // listing did not apply: the repo is fetched whole.
                    if (staleOnKnownRoot(chain, f.rev())) stats.staleIgnored();
                    else gap(chain, u.kind(), u.detail());
                }
                case Check.Commit v -> commit(f, (CommitEvent) f.event(), v, chain);
                case Check.Sync s -> sync((SyncEvent) f.event(), s, chain);
                case Check.Pass p -> other(f, chain);
            }
        }

        private void commit(FirehoseFrame f, CommitEvent e, Check.Commit v, Chain chain) throws SQLException {
            if (chain.rev() != null) {
                var decision = SyncRules.commit(chain.rev(), cid(chain.data()), e.rev(),
                        e.since(), e.prevData(), now);
                switch (decision.verdict()) {
                    case STALE, IN_SYNC -> {
                        // Not a link of the chain any more. Its deletes are applied: the stored rev may come from a
                        // listing or a fetch of other collections, which removed nothing. Its creates and updates only
                        // while the chain's root is unknown: a chained or pruning-fetched state at or after this commit
                        // holds them or their deletion, and a deletion the fetch saw as an absence left no tombstone,
                        // so an older create would bring the record back.
                        stats.staleIgnored();
                        for (Check.Write w : v.writes()) {
                            if (w.delete() || chain.data() == null) {
                                pending.merge(w.uri(), new RecordWrites.Pending(e.repo(), e.rev(), w), RecordWrites::newer);
                            }
                        }
                        return;
                    }
                    case FUTURE -> {
                        reject(f, "future_rev", decision.reason());
                        return;
                    }
                    case GAP -> {
                        gap(chain, decision.reason().startsWith("since") ? "since_mismatch" : "prev_data_mismatch", decision.reason());
                        if (stopAtGap) return;
                        chain = known.get(chain.did());
                    }
                    case APPLY -> {}
                }
            } else if (SyncRules.isFuture(e.rev(), now)) {
                reject(f, "future_rev", "rev " + e.rev() + " is in the future");
                return;
            }
            for (Check.Write w : v.writes()) pending.merge(w.uri(), new RecordWrites.Pending(e.repo(), e.rev(), w), RecordWrites::newer);
            advance(chain.withCommit(e.rev(), v.commit().commit().data().toString()));
        }

        private void sync(SyncEvent e, Check.Sync s, Chain chain) {
            var decision = chain.rev() == null
                    ? new SyncRules.Decision(SyncRules.Verdict.GAP,
                            "#sync for a repo whose chain is not known")
                    : SyncRules.sync(chain.rev(), cid(chain.data()), e.rev(), cid(s.data()), now);
            switch (decision.verdict()) {
                case STALE -> {
                    // Below a rev whose root is unknown (a listing's), it may stand for deletes the listing did not apply.
                    if (chain.data() != null) stats.staleIgnored();
                    else gap(chain, "sync_new_data", "#sync at " + e.rev() + ", at or below rev " + chain.rev() + " whose MST root is not known");
                }
                case FUTURE -> rejections.add(new Rejection(e.seq(), e.did(), "future_rev", decision.reason()));
                case IN_SYNC, APPLY -> advance(chain.withCommit(e.rev(), s.data()));
                case GAP -> {
                    gap(chain, "sync_new_data", decision.reason());
                    if (!stopAtGap) advance(known.get(chain.did()).withCommit(e.rev(), s.data()));
                }
            }
        }

        private void other(FirehoseFrame f, Chain chain) throws SQLException {
            switch (f.event()) {
                case AccountEvent a -> {
                    flush(); // every change before the account's first
                    if (AccountChanges.apply(c, sync, writes.writer(), a.did(), a.active(), a.status()) == AccountChanges.Effect.BACK) {
                        gap(chain, "account_reactivated", "account active again after its records were removed");
                    }
                }
                case IdentityEvent i -> identity.add(i.did());
                case InvalidEvent i -> {
                    reject(f, "invalid_frame", i.reason());
                    // It may have been a real change of this repo: the repo is fetched again rather than left behind.
                    if (chain != null && chain.rev() != null) gap(chain, "invalid_frame", i.reason());
                }
                default -> {}
            }
        }

        private void advance(Chain next) {
            known.put(next.did(), next);
            changed.put(next.did(), next);
        }

        private void gap(Chain chain, String kind, String detail) {
            stats.gap(kind);
            if (stopAtGap) {
                stopped = "after the fetch: " + detail;
                gaps.put(chain.did(), new Gap(kind, detail));
                return;
            }
            // A repo already desynchronized keeps the gap that put it there (its resync covers the new one too).
            if (chain.state() != SyncState.SYNCHRONIZED) return;
            gaps.put(chain.did(), new Gap(kind, detail));
            known.put(chain.did(), chain.withState(SyncState.DESYNCHRONIZED));
        }

        private void reject(FirehoseFrame f, String kind, String detail) {
            stats.rejected(kind);
            rejections.add(new Rejection(f.cursor(), f.did(), kind, detail));
        }

        private void flush() throws SQLException {
            writes.write(c, pending.values());
            pending.clear();
        }

        /** Writes what the events did, in the transaction. */
        void finish(boolean freshGaps) throws SQLException {
            flush();
            chains.save(c, changed.values());
            if (stopAtGap) {
                chains.markGapKinds(c, gaps); // the hand-off sets the state; the kind says why the next resync runs
            } else {
                chains.markGaps(c, gaps, freshGaps);
            }
            chains.reject(c, SOURCE, rejections);
        }
    }

    private static Cid cid(String s) {
        return s == null ? null : Cid.parse(s);
    }
}
