package dev.happyview.protocol.repo;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** An in-memory block store for small repos (simulated network, tests); keeps insertion order. */
public final class MemoryBlockStore implements BlockSource, BlockSink {
    private final Map<Cid, byte[]> blocks = new LinkedHashMap<>();

    @Override
    public byte[] get(Cid cid) {
        return blocks.get(cid);
    }

    @Override
    public void put(Cid cid, byte[] block) {
        blocks.put(cid, block);
    }

    /** Stores a DAG-CBOR block and returns its CID. */
    public Cid putDagCbor(byte[] block) {
        Cid cid = Cid.ofDagCbor(block);
        blocks.put(cid, block);
        return cid;
    }

    public Map<Cid, byte[]> blocks() {
        return Collections.unmodifiableMap(blocks);
    }

    public int size() {
        return blocks.size();
    }
}
