package dev.happyview.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.happyview.store.Database;
import dev.happyview.testing.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CollectionCountsTest {
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

    static void write(String collection, int n, String did) throws Exception {
        var rows = new ArrayList<RecordRow>();
        for (int i = 0; i < n; i++) {
            String rkey = "3k" + String.format("%011d", i);
            rows.add(new RecordRow("at://" + did + "/" + collection + "/" + rkey, did, collection, rkey,
                    "bafyreib2rxk3rh6kzwq", "{\"$type\":\"" + collection + "\"}", "3kaaaaaaaaaaa"));
        }
        writer.upsert(rows);
    }

    @Test
    void cheapCountsAreExactAndExpensiveOnesAreServedFromTheLastWhileANewOneRuns() throws Exception {
        write("app.counts.a", 3, "did:plc:countsaaaaaaaaaaaaaaaaaaa");
        var exact = new CollectionCounts(db, Long.MAX_VALUE / 2_000_000); // every count is "cheap"
        var cached = new CollectionCounts(db, 0); // every count is "expensive"
        assertThat(exact.byCollection()).containsEntry("app.counts.a", 3L);
        assertThat(cached.byCollection()).containsEntry("app.counts.a", 3L);

        write("app.counts.a", 5, "did:plc:countsbbbbbbbbbbbbbbbbbbb");
        assertThat(exact.byCollection()).containsEntry("app.counts.a", 8L);
        Map<String, Long> stale = cached.byCollection();
        assertThat(stale).as("served at once from the last count").containsEntry("app.counts.a", 3L);
        // At least a second later a request starts a count in the background; a later one sees it.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> cached.byCollection().getOrDefault("app.counts.a", 0L) == 8L);
    }
}
