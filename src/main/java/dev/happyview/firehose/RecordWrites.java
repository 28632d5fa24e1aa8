package dev.happyview.firehose;

import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;

/** The record writes of verified commits, as revision-ordered upserts and deletes through {@link RecordWriter}. */
final class RecordWrites {
    private final RecordWriter writer;

    RecordWrites(RecordWriter writer) {
        this.writer = writer;
    }

    /** One record's change at a revision of its repo. */
    record Pending(String did, String rev, Check.Write write) {}

    /** Of two changes of one record, the one of the newer revision (the later one on a tie: stream order). */
    static Pending newer(Pending kept, Pending next) {
        return next.rev().compareTo(kept.rev()) >= 0 ? next : kept;
    }

    RecordWriter writer() {
        return writer;
    }

    /** Writes the changes in the caller's transaction, which holds the repos' sync rows (routing locked them). */
    void write(Connection c, Collection<Pending> changes) throws SQLException {
        if (changes.isEmpty()) return;
        var upserts = new ArrayList<RecordRow>();
        var deletes = new ArrayList<RecordWriter.Deletion>();
        for (Pending p : changes) {
            Check.Write w = p.write();
            if (w.delete()) {
                deletes.add(new RecordWriter.Deletion(w.uri(), p.did(), p.rev()));
            } else {
                upserts.add(new RecordRow(w.uri(), p.did(), w.collection(), w.rkey(), w.cid(), w.json(), p.rev()));
            }
        }
        writer.delete(c, deletes);
        writer.upsertHoldingRepoLocks(c, upserts);
    }
}
