package dev.happyview.backfill;

import dev.happyview.testing.TestApp;

/** Lets tests of other packages run a small completed backfill on the mini network. */
public final class BackfillEngineTestAccess {
    private BackfillEngineTestAccess() {}

    /** A service with one completed job over a small network; close it to stop both. */
    public record Run(TestApp app, AutoCloseable network) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            app.close();
            network.close();
        }
    }

    public static Run completedBackfill() throws Exception {
        var net = new MiniNetwork(BackfillEngineTest.COLLECTION, 5, 30);
        var app = BackfillEngineTest.app(net);
        BackfillEngineTest.uploadRecordLexicon(app, BackfillEngineTest.COLLECTION);
        String id = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"collection\":\"" + BackfillEngineTest.COLLECTION + "\"}")
                .json().get("id").asText();
        BackfillEngineTest.awaitEnd(app, id);
        return new Run(app, net);
    }
}
