package dev.happyview.tap;

import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Applies one batch of Tap events in one transaction: record changes through the shared {@link RecordWriter},
 * ordered by repo revision (of one URI in the batch the newest change stands; a redelivered older event cannot undo
 * it), and unusable frames to the
 * dead letters. Identity events and collections without a record lexicon store nothing.
 */
final class TapBatchApplier {
    /** What a committed batch held. */
    record Applied(int events, int deadLetters) {}

    private final Database db;
    private final RecordWriter writer;
    private final Predicate<String> isRecordCollection;

    TapBatchApplier(Database db, RecordWriter writer, Predicate<String> isRecordCollection) {
        this.db = db;
        this.writer = writer;
        this.isRecordCollection = isRecordCollection;
    }

    /** @param frames the frame each event was parsed from, kept for dead letters */
    Applied apply(List<TapEvent> events, List<String> frames) throws SQLException {
        Map<String, TapEvent.RecordEvent> lastChange = new LinkedHashMap<>(); // uri → its newest event
        var deads = new ArrayList<TapDeadLetters.DeadLetter>();
        for (int i = 0; i < events.size(); i++) {
            switch (events.get(i)) {
                case TapEvent.RecordEvent r when isRecordCollection.test(r.collection()) ->
                    // Of one record the newest revision stands (a redelivered older event may come after a newer one).
                    lastChange.merge(r.uri(), r, (kept, next) -> next.rev().compareTo(kept.rev()) >= 0 ? next : kept);
                case TapEvent.Unparseable u ->
                        deads.add(new TapDeadLetters.DeadLetter(u.id() < 0 ? null : u.id(), u.reason(), frames.get(i)));
                default -> { } // identity events and collections without a record lexicon: nothing to store
            }
        }
        var upserts = new ArrayList<RecordRow>();
        var deletes = new ArrayList<RecordWriter.Deletion>();
        lastChange.forEach((uri, r) -> {
            if (r.recordJson() == null) deletes.add(new RecordWriter.Deletion(uri, r.did(), r.rev()));
            else upserts.add(new RecordRow(uri, r.did(), r.collection(), r.rkey(), r.cid(), r.recordJson(), r.rev()));
        });
        try (Connection c = db.connection()) {
            c.setAutoCommit(false);
            try {
                // A URI is in only one of the two lists; both are ordered by revision against what is stored.
                if (!deletes.isEmpty()) writer.delete(c, deletes);
                if (!upserts.isEmpty()) writer.upsert(c, upserts);
                if (!deads.isEmpty()) TapDeadLetters.insert(c, deads);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        return new Applied(events.size(), deads.size());
    }
}
