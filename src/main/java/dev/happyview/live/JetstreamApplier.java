package dev.happyview.live;

import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import dev.happyview.sync.AccountChanges;
import dev.happyview.sync.BufferApplier;
import dev.happyview.sync.BufferedEvent;
import dev.happyview.sync.RepoSyncStore;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Jetstream events as writes. Commits of record collections become revision-ordered upserts and deletes (of one
 * record in a batch, the change of the newest revision stands). Account events: {@code deleted} and
 * {@code takendown} remove the repo's records, leaving tombstones; {@code deactivated}, {@code suspended} and other
 * inactive states keep them (the account may come back, and a reactivation sends no records); an account active again
 * after its records were removed is fetched again by a backfill. Identity events drop the cached DID document.
 * Unusable events mark their repo desynchronized. The same code applies events that waited in the buffer.
 */
public final class JetstreamApplier implements LiveApplier<JetstreamEvent>, BufferApplier {
    public static final String SOURCE = "jetstream";

    private final RecordWriter writer;
    private final RepoSyncStore sync;
    private final Predicate<String> isRecordCollection;

    public JetstreamApplier(RecordWriter writer, RepoSyncStore sync, Predicate<String> isRecordCollection) {
        this.writer = writer;
        this.sync = sync;
        this.isRecordCollection = isRecordCollection;
    }

    @Override
    public String source() {
        return SOURCE;
    }

    @Override
    public Outcome apply(Connection c, List<JetstreamEvent> events) throws SQLException {
        return apply(c, events, null);
    }

    @Override
    public Result apply(Connection c, String did, List<BufferedEvent> events, Snapshot snapshot) throws SQLException {
        var parsed = new ArrayList<JetstreamEvent>(events.size());
        String newest = null;
        for (BufferedEvent b : events) {
            JetstreamEvent e = JetstreamEvent.parse(new String(b.payload(), StandardCharsets.UTF_8));
            parsed.add(e);
            if (e.rev() != null && (newest == null || e.rev().compareTo(newest) > 0)) newest = e.rev();
        }
        apply(c, parsed, snapshot);
        return new Result(newest, null);
    }

    /** Applies events in order; with a snapshot, commits it already contains are skipped. */
    private Outcome apply(Connection c, List<JetstreamEvent> events, Snapshot snapshot) throws SQLException {
        var changes = new LinkedHashMap<String, JetstreamEvent.Commit>();
        var identity = new HashSet<String>();
        var backfill = new HashSet<String>();
        var unusable = new HashSet<String>();
        int refused = 0;
        for (JetstreamEvent e : events) {
            switch (e) {
                case JetstreamEvent.Commit commit -> {
                    if (!isRecordCollection.test(commit.collection())) continue;
                    if (commit.operation() != JetstreamEvent.Operation.DELETE && snapshot != null
                            && snapshot.covers(commit.collection(), commit.rev())) {
                        continue; // the backfill's CAR already holds this version or a newer one
                    }
                    // Of one record the newest revision stands: after a reconnect, replayed older events can
                    // follow newer ones in a batch.
                    changes.merge(commit.uri(), commit, (kept, next) -> next.rev().compareTo(kept.rev()) >= 0 ? next : kept);
                }
                case JetstreamEvent.Account account -> {
                    write(c, changes); // everything before the account change first
                    if (account(c, account)) backfill.add(account.did());
                }
                case JetstreamEvent.Identity id -> identity.add(id.did());
                case JetstreamEvent.Unusable u -> {
                    refused++;
                    if (u.did() != null) unusable.add(u.did());
                }
            }
        }
        write(c, changes);
        if (!unusable.isEmpty()) sync.markDesynchronized(c, unusable, "the live stream sent an event that cannot be used");
        return new Outcome(refused, identity, backfill);
    }

    private void write(Connection c, Map<String, JetstreamEvent.Commit> changes) throws SQLException {
        if (changes.isEmpty()) return;
        var upserts = new ArrayList<RecordRow>();
        var deletes = new ArrayList<RecordWriter.Deletion>();
        for (var e : changes.values()) {
            if (e.operation() == JetstreamEvent.Operation.DELETE) {
                deletes.add(new RecordWriter.Deletion(e.uri(), e.did(), e.rev()));
            } else {
                upserts.add(new RecordRow(e.uri(), e.did(), e.collection(), e.rkey(), e.cid(), e.recordJson(), e.rev()));
            }
        }
        writer.delete(c, deletes);
        writer.upsertHoldingRepoLocks(c, upserts); // the pipeline routed the batch: its repos' rows are locked
        changes.clear();
    }

    /** Applies an account change; true if the repo must be fetched again (its records were removed before). */
    private boolean account(Connection c, JetstreamEvent.Account a) throws SQLException {
        if (AccountChanges.apply(c, sync, writer, a.did(), a.active(), a.status()) != AccountChanges.Effect.BACK) return false;
        sync.markDesynchronized(c, List.of(a.did()), "account active again after its records were removed");
        return true;
    }
}
