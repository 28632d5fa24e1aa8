package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.INVALID_MST;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MISSING_BLOCK;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Walks an MST in key order from its root, rebuilding prefix-compressed keys, and checks that the tree
 * is the canonical one a signed commit must point to. Refused with a {@link RepoVerificationException}:
 * a missing node ({@code MISSING_BLOCK}); keys not strictly increasing across the whole walk, a key
 * whose height differs from its node's layer, a child not exactly one layer down, a subtree under layer
 * 0, a non-root node with neither entries nor subtree, a root with only a subtree, and a prefix length
 * that is not the true common prefix ({@code INVALID_MST}). Recursion depth is bounded by the root's
 * layer (at most 128), since each step down must lower the layer.
 */
public final class MstWalker {
    /** Receives each (key, record CID) in key order. */
    @FunctionalInterface
    public interface Visitor {
        void entry(String key, Cid value);
    }

    private final BlockSource blocks;
    private final Visitor visitor;
    private final MessageDigest sha = Cid.sha256();
    private byte[] lastKey;
    private long count;

    private MstWalker(BlockSource blocks, Visitor visitor) {
        this.blocks = blocks;
        this.visitor = visitor;
    }

    /** Walks the tree rooted at {@code root}; returns the number of entries visited. */
    public static long walk(Cid root, BlockSource blocks, Visitor visitor) {
        MstWalker walker = new MstWalker(blocks, visitor);
        walker.node(root, -1);
        return walker.count;
    }

    /** @param expectedLayer the layer this node must be on, or -1 for the root (layer taken from its keys) */
    private void node(Cid cid, int expectedLayer) {
        if (cid.codec() != Cid.DAG_CBOR) {
            throw new RepoVerificationException(INVALID_MST, "MST link " + cid + " is not dag-cbor");
        }
        byte[] block = blocks.get(cid);
        if (block == null) {
            throw new RepoVerificationException(MISSING_BLOCK, "MST node " + cid + " is not in the repo");
        }
        MstNode node;
        try {
            node = MstNode.decode(block);
        } catch (DagCborException e) {
            throw RepoVerificationException.of(e, "MST node " + cid);
        }
        boolean root = expectedLayer < 0;
        if (node.entries().isEmpty()) {
            if (root && node.left() != null) {
                throw new RepoVerificationException(INVALID_MST, "root node " + cid + " has a subtree but no entries");
            }
            if (!root && node.left() == null) {
                throw new RepoVerificationException(INVALID_MST, "empty MST node " + cid);
            }
        }
        byte[][] keys = keysOf(node, cid);
        int layer = keys.length > 0 ? MstKeys.height(sha, keys[0]) : expectedLayer;
        if (!root && layer != expectedLayer) {
            throw new RepoVerificationException(INVALID_MST,
                    "MST node " + cid + " is on layer " + layer + " but its parent expects " + expectedLayer);
        }
        subtree(node.left(), layer, cid);
        for (int i = 0; i < keys.length; i++) {
            byte[] key = keys[i];
            if (MstKeys.height(sha, key) != layer) {
                throw new RepoVerificationException(INVALID_MST, "key " + text(key) + " has the wrong height for layer " + layer);
            }
            if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
                throw new RepoVerificationException(INVALID_MST, "MST keys out of order at " + text(key));
            }
            lastKey = key;
            count++;
            visitor.entry(text(key), node.entries().get(i).value());
            subtree(node.entries().get(i).right(), layer, cid);
        }
    }

    private void subtree(Cid child, int layer, Cid parent) {
        if (child == null) {
            return;
        }
        if (layer == 0) {
            throw new RepoVerificationException(INVALID_MST, "layer-0 MST node " + parent + " has a subtree");
        }
        node(child, layer - 1);
    }

    /** Rebuilds a node's prefix-compressed keys, refusing a prefix that is not the true common prefix. */
    static byte[][] keysOf(MstNode node, Cid cid) {
        byte[][] keys = new byte[node.entries().size()][];
        byte[] previous = new byte[0];
        for (int i = 0; i < keys.length; i++) {
            MstNode.Entry e = node.entries().get(i);
            int p = e.prefixLength();
            if (p > previous.length || (i == 0 && p != 0)) {
                throw new RepoVerificationException(INVALID_MST, "bad prefix length " + p + " in MST node " + cid);
            }
            byte[] key = Arrays.copyOf(previous, p + e.keySuffix().length);
            System.arraycopy(e.keySuffix(), 0, key, p, e.keySuffix().length);
            if (key.length == 0 || key.length > MstNode.MAX_KEY_BYTES) {
                throw new RepoVerificationException(INVALID_MST, "MST key length " + key.length + " in node " + cid);
            }
            if (MstKeys.commonPrefix(previous, key) != p) {
                throw new RepoVerificationException(INVALID_MST, "non-canonical prefix compression in MST node " + cid);
            }
            keys[i] = key;
            previous = key;
        }
        return keys;
    }

    private static String text(byte[] key) {
        try {
            return DagCborReader.decodeUtf8(key, 0, key.length);
        } catch (DagCborException e) {
            throw new RepoVerificationException(INVALID_MST, "MST key is not UTF-8");
        }
    }
}
