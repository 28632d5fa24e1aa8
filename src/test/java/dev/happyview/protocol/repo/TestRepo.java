package dev.happyview.protocol.repo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;

/** Builds small signed repos in memory for tests. */
record TestRepo(Cid commitCid, Commit commit, MemoryBlockStore blocks) {
    static final String REV = "3kznmn7xqxl22";

    static TestRepo build(String did, AtprotoKeyPair key, SortedMap<String, JsonNode> records) {
        MemoryBlockStore blocks = new MemoryBlockStore();
        MstBuilder mst = new MstBuilder(blocks);
        for (Map.Entry<String, JsonNode> e : records.entrySet()) {
            mst.add(e.getKey(), blocks.putDagCbor(DagCborEncoder.encodeRecord(e.getValue())));
        }
        Commit commit = Commit.sign(did, mst.finish(), REV, null, key);
        return new TestRepo(blocks.putDagCbor(commit.encode()), commit, blocks);
    }

    /** The CAR with blocks in insertion order. */
    byte[] car() {
        return CarWriter.toBytes(commitCid, blocks.blocks());
    }

    /** The CAR with blocks shuffled and some written twice. */
    byte[] shuffledCarWithDuplicates(long seed) {
        List<Map.Entry<Cid, byte[]>> entries = new ArrayList<>(blocks.blocks().entrySet());
        entries.addAll(entries.subList(0, Math.min(5, entries.size())));
        Collections.shuffle(entries, new Random(seed));
        return write(commitCid, entries);
    }

    /** A CAR of the given blocks under the given root. */
    static byte[] write(Cid root, List<Map.Entry<Cid, byte[]>> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            CarWriter writer = new CarWriter(out, List.of(root));
            for (Map.Entry<Cid, byte[]> e : entries) {
                writer.write(e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
