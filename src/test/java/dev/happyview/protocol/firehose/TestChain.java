package dev.happyview.protocol.firehose;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.MemoryBlockStore;
import dev.happyview.protocol.syntax.Tid;
import java.util.List;
import java.util.TreeMap;

/** A repo that evolves commit by commit, as a PDS would emit it, with its ground truth. */
final class TestChain {
    final String did;
    final AtprotoKeyPair key;
    final MemoryBlockStore store = new MemoryBlockStore();
    final TreeMap<String, Cid> truth = new TreeMap<>();
    Cid data;
    String rev;
    private long micros;
    private long seq;

    TestChain(String did, AtprotoKeyPair key, long startMicros) {
        this.did = did;
        this.key = key;
        this.micros = startMicros;
    }

    /** Applies the writes as one commit and returns its event. */
    CommitBuilder.Built commit(List<CommitBuilder.Write> writes) {
        String next = Tid.of(++micros, 7);
        CommitBuilder.Built built = CommitBuilder.commit(did, key, data, store, rev, next, writes, ++seq,
                "2026-01-01T00:00:00.000Z");
        built.newBlocks().forEach(store::put);
        for (CommitBuilder.Write w : writes) {
            if (w.action() == RepoOp.Action.DELETE) {
                truth.remove(w.path());
            } else {
                truth.put(w.path(), Cid.ofDagCbor(w.record()));
            }
        }
        data = built.commit().data();
        rev = next;
        return built;
    }

    static CommitBuilder.Write create(String path, String text) {
        return new CommitBuilder.Write(RepoOp.Action.CREATE, path, record(text));
    }

    static CommitBuilder.Write update(String path, String text) {
        return new CommitBuilder.Write(RepoOp.Action.UPDATE, path, record(text));
    }

    static CommitBuilder.Write delete(String path) {
        return new CommitBuilder.Write(RepoOp.Action.DELETE, path, null);
    }

    static byte[] record(String text) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("$type", "app.bsky.feed.post").put("text", text).put("createdAt", "2026-01-01T00:00:00.000Z");
        return DagCborEncoder.encodeRecord(r);
    }
}
