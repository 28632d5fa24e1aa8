package dev.happyview.records;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.store.Database;
import dev.happyview.testing.TestPostgres;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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

    static RecordRow row(String did, String rkey, String cid, String text) {
        return new RecordRow("at://" + did + "/app.test.post/" + rkey, did, "app.test.post", rkey, cid,
                "{\"$type\":\"app.test.post\",\"text\":\"" + text + "\"}");
    }

    static Timestamp indexedAt(String uri) throws Exception {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT indexed_at FROM records WHERE uri = ?")) {
            st.setString(1, uri);
            try (var rs = st.executeQuery()) {
                return rs.next() ? rs.getTimestamp(1) : null;
            }
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
        assertThat(writer.upsert(List.of(row(did, "a1", "bafyone2", "hello again")))).isEqualTo(1);
        try (var c = db.connection(); var st = c.prepareStatement("SELECT cid, record->>'text' FROM records WHERE uri = ?")) {
            st.setString(1, first.getFirst().uri());
            try (var rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("bafyone2");
                assertThat(rs.getString(2)).isEqualTo("hello again");
            }
        }
        assertThat(writer.delete(List.of(first.get(1).uri(), "at://" + did + "/app.test.post/nope"))).isEqualTo(1);
        assertThat(indexedAt(first.get(1).uri())).isNull();
    }

    @Test
    void aBatchWithTheSameUriTwiceKeepsTheLastVersion() throws Exception {
        String did = "did:plc:writer2";
        assertThat(writer.upsert(List.of(row(did, "b1", "bafyold", "old"), row(did, "b1", "bafynew", "new")))).isEqualTo(1);
        try (var c = db.connection(); var st = c.prepareStatement("SELECT cid FROM records WHERE uri = ?")) {
            st.setString(1, "at://" + did + "/app.test.post/b1");
            try (var rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("bafynew");
            }
        }
    }

    @Test
    void aBatchOfTenThousandIsWrittenWholeAndPruningKeepsOnlyWhatIsListed() throws Exception {
        String did = "did:plc:writer3";
        var rows = new ArrayList<RecordRow>();
        for (int i = 0; i < 10_000; i++) rows.add(row(did, String.format("k%05d", i), "bafy" + i, "n" + i));
        assertThat(writer.upsert(rows)).isEqualTo(10_000);
        try (var c = db.connection(); var st = c.prepareStatement("SELECT count(*) FROM records WHERE did = ?")) {
            st.setString(1, did);
            try (var rs = st.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(10_000);
            }
        }
        assertThat(writer.deleteMissing(did, "app.test.post", Set.of("k00001", "k00002"))).isEqualTo(9_998);
        assertThat(indexedAt("at://" + did + "/app.test.post/k00001")).isNotNull();
    }
}
