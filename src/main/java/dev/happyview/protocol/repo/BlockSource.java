package dev.happyview.protocol.repo;

/** Looks blocks up by CID. */
@FunctionalInterface
public interface BlockSource {
    /** The block's bytes, or null when this source does not have it. */
    byte[] get(Cid cid);
}
