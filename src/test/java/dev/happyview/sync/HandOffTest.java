package dev.happyview.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.live.JetstreamApplier;
import dev.happyview.store.Database;
import dev.happyview.records.RecordRow;
import dev.happyview.records.RecordWriter;
import dev.happyview.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hand-off between a repo's backfill and the live stream, at the database. */
class HandOffTest {
    static final String POSTS = "com.example.post";
    static final String LIKES = "com.example.like";
    static final String CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm";
    static Database db;
    static RecordWriter writer;
    static RepoSyncStore sync;
    static LiveBuffer buffer;
    static HandOff handOff;

    @BeforeAll
    static void start() {
        db = Database.connect(TestPostgres.newDatabaseUrl(), 4);
        writer = new RecordWriter(db);
        sync = new RepoSyncStore(db);
        buffer = new LiveBuffer();
        handOff = new HandOff(db, buffer, sync, writer, Duration.ofSeconds(1));
        handOff.register(new JetstreamApplier(writer, sync, c -> c.equals(POSTS) || c.equals(LIKES)));
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    static String commit(String did, String collection, String rkey, String op, String rev, String text) {
        String record = op.equals("delete") ? "" : ",\"cid\":\"" + CID + "\",\"record\":{\"text\":\"" + text + "\"}";
        return "{\"did\":\"" + did + "\",\"time_us\":1,\"kind\":\"commit\",\"commit\":{\"rev\":\"" + rev + "\",\"operation\":\""
                + op + "\",\"collection\":\"" + collection + "\",\"rkey\":\"" + rkey + "\"" + record + "}}";
    }

    /** What a live source does with events of a repo: route them, and buffer those of a repo being backfilled. */
    static boolean deliver(String did, String rev, String frame) throws Exception {
        try (var c = db.connection()) {
            c.setAutoCommit(false);
            boolean buffered = sync.route(c, Map.of(did, rev)).contains(did);
            if (buffered) {
                buffer.append(c, JetstreamApplier.SOURCE, List.of(new LiveBuffer.Entry(did, rev, frame.getBytes(StandardCharsets.UTF_8))));
            }
            c.commit();
            return buffered;
        }
    }

    static boolean exists(String uri) throws Exception {
        try (var c = db.connection(); var st = c.prepareStatement("SELECT 1 FROM records WHERE uri = ?")) {
            st.setString(1, uri);
            return st.executeQuery().next();
        }
    }

    @Test
    void eventsOfABackfillingRepoWaitAndAreAppliedAfterItsWrites() throws Exception {
        String did = "did:plc:handoff1";
        String old = "at://" + did + "/" + POSTS + "/old";
        writer.upsert(List.of(new RecordRow(old, did, POSTS, "old", CID, "{}", "3kaaaaaaaaaa1"))); // indexed live earlier
        var session = handOff.begin(did);
        assertThat(sync.find(did).orElseThrow().state()).isEqualTo(SyncState.BACKFILLING);
        // During the fetch (a CAR of POSTS at rev 5): a post created at 3 (in the CAR), a like at 4 (not fetched),
        // the old post deleted at 4, a post created at 6.
        assertThat(deliver(did, "3kaaaaaaaaaa3", commit(did, POSTS, "p3", "create", "3kaaaaaaaaaa3", "in the car"))).isTrue();
        deliver(did, "3kaaaaaaaaaa4", commit(did, LIKES, "l4", "create", "3kaaaaaaaaaa4", "a like"));
        deliver(did, "3kaaaaaaaaaa4", commit(did, POSTS, "old", "delete", "3kaaaaaaaaaa4", null));
        deliver(did, "3kaaaaaaaaaa6", commit(did, POSTS, "p6", "create", "3kaaaaaaaaaa6", "after the car"));
        assertThat(exists("at://" + did + "/" + LIKES + "/l4")).as("buffered, not applied yet").isFalse();
        writer.upsert(List.of(new RecordRow("at://" + did + "/" + POSTS + "/p3", did, POSTS, "p3", CID, "{\"text\":\"from the car\"}", "3kaaaaaaaaaa5")));

        assertThat(handOff.finish(session, new BufferApplier.Snapshot("3kaaaaaaaaaa5", true, Set.of(POSTS)), null)).isTrue();
        assertThat(exists("at://" + did + "/" + LIKES + "/l4")).as("another collection: not in what the CAR wrote").isTrue();
        assertThat(exists(old)).as("a delete is applied even at or below the CAR's revision").isFalse();
        assertThat(exists("at://" + did + "/" + POSTS + "/p6")).isTrue();
        var state = sync.find(did).orElseThrow();
        assertThat(state.state()).isEqualTo(SyncState.SYNCHRONIZED);
        assertThat(state.rev()).isEqualTo("3kaaaaaaaaaa6");
        try (var c = db.connection()) {
            assertThat(buffer.size(c)).isZero();
        }
        assertThat(deliver(did, "3kaaaaaaaaaa7", commit(did, POSTS, "p7", "create", "3kaaaaaaaaaa7", "live"))).isFalse();
    }

    @Test
    void onlyTheNewestSessionFinishesAndAnAbandonedOneExpires() throws Exception {
        String did = "did:plc:handoff2";
        var first = handOff.begin(did);
        var second = handOff.begin(did);
        deliver(did, "3kaaaaaaaaab2", commit(did, POSTS, "x", "create", "3kaaaaaaaaab2", "x"));
        assertThat(handOff.finish(first, new BufferApplier.Snapshot("3kaaaaaaaaab1", false, Set.of(POSTS)), null)).isFalse();
        assertThat(sync.find(did).orElseThrow().state()).as("the second session still fetches").isEqualTo(SyncState.BACKFILLING);
        Thread.sleep(1100); // past the one-second session time of this test
        assertThat(handOff.expire()).isGreaterThanOrEqualTo(1);
        var state = sync.find(did).orElseThrow();
        assertThat(state.state()).isEqualTo(SyncState.DESYNCHRONIZED);
        assertThat(state.reason()).contains("expired");
        assertThat(exists("at://" + did + "/" + POSTS + "/x")).as("what waited is applied").isTrue();
        assertThat(handOff.finish(second, new BufferApplier.Snapshot("3kaaaaaaaaab3", true, Set.of(POSTS)), null)).isFalse();
    }
}
