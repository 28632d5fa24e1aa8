package dev.happyview.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.store.Database;
import dev.happyview.sync.RepoSyncStore;
import dev.happyview.testing.TestPostgres;
import java.sql.Connection;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RecordWriterTest {
    static Database db;
    static RecordWriter writer;

    @BeforeAll
    static void start() {
        db = Database.connect(TestPostgres.newDatabaseUrl(), 4);
        writer = new RecordWriter(db);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    static RecordRow row(String did, String rkey, String cid, String text, String rev) {
        return new RecordRow("at://" + did + "/app.test.post/" + rkey, did, "app.test.post", rkey, cid,
                "{\"$type\":\"app.test.post\",\"text\":\"" + text + "\"}", rev);
    }

    static RecordRow row(String did, String rkey, String cid, String text) {
        return row(did, rkey, cid, text, "3kaaaaaaaaaa2");
    }

    static Timestamp indexedAt(String uri) throws Exception {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT indexed_at FROM records WHERE uri = ?")) {
            st.setString(1, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1) : null;
            }
        }
    }

    static String cidOf(String uri) throws Exception {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT cid FROM records WHERE uri = ?")) {
            st.setString(1, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    static int delete(String uri, String did, String rev) throws Exception {
        try (var c = db.connection()) {
            return writer.delete(c, List.of(new RecordWriter.Deletion(uri, did, rev)));
        }
    }

    @Test
    void upsertSkipsUnchangedCidsUpdatesChangedOnesAndDeletes() throws Exception {
        String did = "did:plc:writer1";
        var first = List.of(row(did, "a1", "bafyone", "hello"), row(did, "a2", "bafytwo", "world"));
        assertThat(writer.upsert(first)).isEqualTo(2);
        Timestamp before = indexedAt(first.getFirst().uri());
        Thread.sleep(20);
        assertThat(writer.upsert(first)).as("unchanged CIDs are skipped").isZero();
        assertThat(indexedAt(first.getFirst().uri())).as("an unchanged row is not touched").isEqualTo(before);
        assertThat(writer.upsert(List.of(row(did, "a1", "bafyone2", "hello again", "3kaaaaaaaaaa3")))).isEqualTo(1);
        try (var c = db.connection(); var st = c.prepareStatement("SELECT cid, record->>'text', rev FROM records WHERE uri = ?")) {
            st.setString(1, first.getFirst().uri());
            try (var rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("bafyone2");
                assertThat(rs.getString(2)).isEqualTo("hello again");
                assertThat(rs.getString(3)).isEqualTo("3kaaaaaaaaaa3");
            }
        }
        assertThat(writer.deleteUnconditionally(List.of(first.get(1).uri(), "at://" + did + "/app.test.post/nope"))).isEqualTo(1);
        assertThat(indexedAt(first.get(1).uri())).isNull();
    }

    @Test
    void aBatchWithTheSameUriTwiceKeepsTheNewestRevision() throws Exception {
        String did = "did:plc:writer2";
        assertThat(writer.upsert(List.of(row(did, "b1", "bafynew", "new", "3kaaaaaaaaab3"),
                row(did, "b1", "bafyold", "old", "3kaaaaaaaaab2")))).isEqualTo(1);
        assertThat(cidOf("at://" + did + "/app.test.post/b1")).isEqualTo("bafynew");
    }

    @Test
    void aWriteNeverReplacesOneReadAtANewerRevision() throws Exception {
        String did = "did:plc:writer4";
        String uri = "at://" + did + "/app.test.post/c1";
        writer.upsert(List.of(row(did, "c1", "bafyv5", "v5", "3kaaaaaaaaac5")));
        assertThat(writer.upsert(List.of(row(did, "c1", "bafyv3", "v3", "3kaaaaaaaaac3")))).isZero();
        assertThat(cidOf(uri)).isEqualTo("bafyv5");
        assertThat(writer.upsert(List.of(row(did, "c1", "bafyv7", "v7", "3kaaaaaaaaac7")))).isEqualTo(1);
        assertThat(cidOf(uri)).isEqualTo("bafyv7");
        assertThat(writer.upsert(List.of(row(did, "c1", "bafynull", "unknown", null))))
                .as("a write of unknown revision does not replace a known one").isZero();
        assertThat(cidOf(uri)).isEqualTo("bafyv7");
    }

    /**
     * The race of every peer with unconditional writes: a backfill page read before a live delete is written after
     * it. Here the page must not bring the record back, and an older page must not replace a newer live update.
     */
    @Test
    void aPageReadBeforeALiveDeleteAndWrittenAfterItDoesNotResurrectTheRecord() throws Exception {
        String did = "did:plc:writer5";
        String uri = "at://" + did + "/app.test.post/d1";
        var page = List.of(row(did, "d1", "bafypage", "listed", "3kaaaaaaaaad4")); // read at rev 4
        assertThat(delete(uri, did, "3kaaaaaaaaad5")).isZero(); // the live delete arrives first: nothing to remove yet
        assertThat(writer.upsert(page)).isZero();
        assertThat(cidOf(uri)).as("the tombstone at rev 5 refuses the page read at rev 4").isNull();
        assertThat(writer.upsert(List.of(row(did, "d1", "bafyagain", "re-created", "3kaaaaaaaaad6")))).isEqualTo(1);
        assertThat(cidOf(uri)).as("a newer create passes the tombstone").isEqualTo("bafyagain");
        assertThat(delete(uri, did, "3kaaaaaaaaad5")).as("a replayed older delete removes nothing").isZero();
        assertThat(cidOf(uri)).isEqualTo("bafyagain");
    }

    @Test
    void tombstonesLastUntilTheHorizonAndNoLonger() throws Exception {
        String did = "did:plc:writer6";
        String uri = "at://" + did + "/app.test.post/e1";
        writer.upsert(List.of(row(did, "e1", "bafye", "e", "3kaaaaaaaaae1")));
        assertThat(delete(uri, did, "3kaaaaaaaaae2")).isEqualTo(1);
        assertThat(writer.pruneTombstones(Duration.ofHours(1))).as("a fresh tombstone is kept").isZero();
        assertThat(writer.upsert(List.of(row(did, "e1", "bafye", "e", "3kaaaaaaaaae1")))).isZero();
        Thread.sleep(1100);
        assertThat(writer.pruneTombstones(Duration.ofSeconds(1))).isGreaterThanOrEqualTo(1);
        assertThat(writer.upsert(List.of(row(did, "e1", "bafye", "e", "3kaaaaaaaaae1"))))
                .as("past the horizon nothing remembers the delete").isEqualTo(1);
    }

    @Test
    void aLiveDeleteInFlightMakesAConcurrentOlderPageWaitAndSeeItsTombstone() throws Exception {
        String did = "did:plc:writer7";
        String uri = "at://" + did + "/app.test.post/f1";
        var sync = new RepoSyncStore(db);
        writer.upsert(List.of(row(did, "f1", "bafyf", "f", "3kaaaaaaaaaf1")));
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            sync.route(c, Map.of(did, "3kaaaaaaaaaf5")); // what a live source does first in its transaction
            writer.delete(c, List.of(new RecordWriter.Deletion(uri, did, "3kaaaaaaaaaf5")));
            var page = CompletableFuture.supplyAsync(() -> {
                try {
                    return writer.upsert(List.of(row(did, "f1", "bafyf2", "page", "3kaaaaaaaaaf3")));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertThat(page).as("the page waits for the live transaction").isNotDone();
            c.commit();
            assertThat(page.get(10, TimeUnit.SECONDS)).isZero();
        }
        assertThat(cidOf(uri)).isNull();
    }

    @Test
    void aBatchOfTenThousandIsWrittenWholeAndPruningKeepsOnlyWhatIsListed() throws Exception {
        String did = "did:plc:writer3";
        var rows = new ArrayList<RecordRow>();
        for (int i = 0; i < 10_000; i++) rows.add(row(did, String.format("k%05d", i), "bafy" + i, "n" + i));
        assertThat(writer.upsert(rows)).isEqualTo(10_000);
        writer.upsert(List.of(row(did, "k99999", "bafylive", "written by a newer event", "3kaaaaaaaaaz9")));
        try (var c = db.connection(); var st = c.prepareStatement("SELECT count(*) FROM records WHERE did = ?")) {
            st.setString(1, did);
            try (var rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(10_001);
            }
        }
        assertThat(writer.deleteMissing(did, "app.test.post", Set.of("k00001", "k00002"), "3kaaaaaaaaaa5")).isEqualTo(9_998);
        assertThat(indexedAt("at://" + did + "/app.test.post/k00001")).isNotNull();
        assertThat(cidOf("at://" + did + "/app.test.post/k99999")).as("newer than the listing: kept").isEqualTo("bafylive");
        assertThat(writer.upsert(List.of(row(did, "k00003", "bafy3", "n3"))))
                .as("a pruned record leaves a tombstone at the listing's revision").isZero();
    }

    @Test
    void purgingARepoRemovesAllItsRecordsForGood() throws Exception {
        String did = "did:plc:writer8";
        writer.upsert(List.of(row(did, "g1", "bafyg1", "g1", "3kaaaaaaaaag1"), row(did, "g2", "bafyg2", "g2", "3kaaaaaaaaag2")));
        try (var c = db.connection()) {
            assertThat(writer.purgeRepo(c, did, null)).isEqualTo(2);
        }
        assertThat(writer.upsert(List.of(row(did, "g1", "bafyg1", "g1", "3kaaaaaaaaag3")))).isZero();
    }

    @Test
    void deletesReadTheRowsTheyNameEvenAfterFirstRunningOnAnEmptyTable() throws Exception {
        try (var fresh = Database.connect(TestPostgres.newDatabaseUrl(), 2); var c = fresh.connection()) {
            var w = new RecordWriter(fresh);
            // Used while the table is empty, as in a live replay's first seconds: a plan kept from then reads it all.
            for (int i = 0; i < 10; i++) deleteAndPurge(c, w, "did:plc:early" + i);
            for (int batch = 0; batch < 20; batch++) {
                var rows = new ArrayList<RecordRow>();
                for (int i = 0; i < 1000; i++) rows.add(row("did:plc:grown" + (i % 50), String.format("k%02d%04d", batch, i), "bafy" + i, "n"));
                w.upsert(c, rows);
            }
            assertThat(deleteAndPurge(c, w, "did:plc:grown7")).as("rows read by scanning records").isLessThan(1_000);
        }
    }

    /** Deletes two records of a repo and purges another in one transaction; returns the rows it read by scanning. */
    private static long deleteAndPurge(Connection c, RecordWriter w, String did) throws Exception {
        c.setAutoCommit(false);
        w.delete(c, List.of(new RecordWriter.Deletion("at://" + did + "/app.test.post/k000001", did, "3kaaaaaaaaaz1"),
                new RecordWriter.Deletion("at://" + did + "/app.test.post/k000002", did, "3kaaaaaaaaaz1")));
        w.purgeRepo(c, did.replace("grown", "other"), null);
        try (var st = c.createStatement(); var rs = st.executeQuery(
                "SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_xact_user_tables WHERE relname = 'records'")) {
            rs.next();
            long read = rs.getLong(1);
            c.commit();
            c.setAutoCommit(true);
            return read;
        }
    }
}
