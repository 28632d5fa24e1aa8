package dev.happyview.protocol.repo;

/** Receives blocks as they are produced (MST nodes from the builder, blocks for a CAR). */
@FunctionalInterface
public interface BlockSink {
    void put(Cid cid, byte[] block);
}
