package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.INVALID_MST;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MISSING_BLOCK;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A mutable MST over a block set that may be partial, as in a firehose commit's CAR slice.
 *
 * <p>Nodes are read from the {@link BlockSource} only when an operation reaches them; a subtree never
 * visited stays a stub known by its CID, so a few changed nodes are enough to insert, update, remove
 * and recompute the root. An operation that must look inside a node the source lacks fails with
 * {@code MISSING_BLOCK}. Every node read is checked: decodable, keys strictly increasing with the true
 * prefix compression, every key on the node's layer, children exactly one layer down, no subtree under
 * layer 0 ({@code INVALID_MST} otherwise). Mutations keep the tree canonical: a key is stored on the
 * layer of its height, subtrees are split or merged along the key's path, a layer without keys of its
 * own between two higher keys is an {@code {"e": [], "l": child}} node, and the root is trimmed while
 * it holds only a subtree.
 *
 * <p>Not thread-safe: one tree per commit being built or checked.
 */
public final class MstTree {
    private static final Node[] NOTHING = {null, null};

    private final BlockSource blocks;
    private final MessageDigest sha = Cid.sha256();
    private Node root;

    private MstTree(BlockSource blocks, Node root) {
        this.blocks = blocks;
        this.root = root;
    }

    /** The tree under {@code root}, read lazily from {@code blocks}. */
    public static MstTree load(Cid root, BlockSource blocks) {
        requireDagCbor(root);
        return new MstTree(blocks, Node.stub(root, -1));
    }

    /** An empty tree. */
    public static MstTree empty() {
        return new MstTree(cid -> null, Node.fresh(0));
    }

    /** The value stored under {@code key}, or null. */
    public Cid get(String key) {
        return get(utf8(key));
    }

    public Cid get(byte[] key) {
        int height = MstKeys.height(sha, checkKey(key));
        Node n = root;
        while (n != null) {
            load(n);
            if (height > n.layer) {
                return null;
            }
            int i = search(n, key);
            if (height == n.layer) {
                return i < n.entries.size() && Arrays.equals(n.entries.get(i).key, key) ? n.entries.get(i).value : null;
            }
            n = childAt(n, i);
        }
        return null;
    }

    public Cid put(String key, Cid value) {
        return put(utf8(key), value);
    }

    /** Stores {@code value} under {@code key}; returns the value it replaced, or null for a new key. */
    public Cid put(byte[] key, Cid value) {
        int height = MstKeys.height(sha, checkKey(key));
        if (value == null) {
            throw new IllegalArgumentException("MST value must not be null");
        }
        load(root);
        if (height <= root.layer) {
            return insert(root, key, value, height);
        }
        Node top = Node.fresh(height);
        if (!root.isEmpty()) {
            Node[] parts = split(root, key);
            top.left = wrap(parts[0], height - 1);
            top.entries.add(new Entry(key, value, wrap(parts[1], height - 1)));
        } else {
            top.entries.add(new Entry(key, value, null));
        }
        root = top;
        return null;
    }

    public Cid remove(String key) {
        return remove(utf8(key));
    }

    /** Removes {@code key}; returns the value it had, or null when it was absent. */
    public Cid remove(byte[] key) {
        int height = MstKeys.height(sha, checkKey(key));
        load(root);
        if (height > root.layer) {
            return null;
        }
        Cid previous = delete(root, key, height);
        if (previous != null) {
            trimRoot();
        }
        return previous;
    }

    /** The root CID; re-encodes the nodes changed since the last call. */
    public Cid rootCid() {
        return write(null);
    }

    /**
     * Re-encodes every node changed since the last call, hands each new block to {@code sink} (may be
     * null), and returns the root CID.
     */
    public Cid write(BlockSink sink) {
        return encode(root, sink);
    }

    private Cid insert(Node n, byte[] key, Cid value, int height) {
        load(n);
        int i = search(n, key);
        if (height == n.layer) {
            if (i < n.entries.size() && Arrays.equals(n.entries.get(i).key, key)) {
                Entry existing = n.entries.get(i);
                Cid previous = existing.value;
                if (!previous.equals(value)) {
                    existing.value = value;
                    n.cid = null;
                }
                return previous;
            }
            Node child = childAt(n, i);
            Node[] parts = child == null ? NOTHING : split(child, key);
            setChild(n, i, parts[0]);
            n.entries.add(i, new Entry(key, value, parts[1]));
            n.cid = null;
            return null;
        }
        Node child = childAt(n, i);
        if (child == null) {
            setChild(n, i, chain(n.layer - 1, key, value, height));
            n.cid = null;
            return null;
        }
        Cid previous = insert(child, key, value, height);
        if (child.cid == null) {
            n.cid = null;
        }
        return previous;
    }

    private Cid delete(Node n, byte[] key, int height) {
        load(n);
        int i = search(n, key);
        if (height == n.layer) {
            if (i >= n.entries.size() || !Arrays.equals(n.entries.get(i).key, key)) {
                return null;
            }
            Entry removed = n.entries.remove(i);
            setChild(n, i, merge(childAt(n, i), removed.right));
            n.cid = null;
            return removed.value;
        }
        Node child = childAt(n, i);
        if (child == null) {
            return null;
        }
        Cid previous = delete(child, key, height);
        if (previous != null) {
            if (child.isEmpty()) {
                setChild(n, i, null);
            }
            n.cid = null;
        }
        return previous;
    }

    /** Splits a subtree around a key of a higher layer into the parts before and after it (each may be null). */
    private Node[] split(Node n, byte[] key) {
        load(n);
        int i = search(n, key);
        Node child = childAt(n, i);
        Node[] below = child == null ? NOTHING : split(child, key);
        Node low = Node.fresh(n.layer);
        Node high = Node.fresh(n.layer);
        low.entries.addAll(n.entries.subList(0, i));
        high.entries.addAll(n.entries.subList(i, n.entries.size()));
        if (i == 0) {
            low.left = below[0];
        } else {
            low.left = n.left;
            low.entries.getLast().right = below[0];
        }
        high.left = below[1];
        return new Node[] {low.isEmpty() ? null : low, high.isEmpty() ? null : high};
    }

    /** Joins two adjacent subtrees of one layer (either may be null), merging along their seam. */
    private Node merge(Node a, Node b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        load(a);
        load(b);
        Node merged = Node.fresh(a.layer);
        merged.left = a.left;
        merged.entries.addAll(a.entries);
        Node seam = merge(a.entries.isEmpty() ? a.left : a.entries.getLast().right, b.left);
        if (a.entries.isEmpty()) {
            merged.left = seam;
        } else {
            merged.entries.getLast().right = seam;
        }
        merged.entries.addAll(b.entries);
        return merged;
    }

    /** Raises a subtree to {@code layer} through {@code {"e": [], "l": child}} nodes. */
    private static Node wrap(Node n, int layer) {
        while (n != null && n.layer < layer) {
            Node parent = Node.fresh(n.layer + 1);
            parent.left = n;
            n = parent;
        }
        return n;
    }

    /** A new subtree on {@code layer} holding one key of a lower or equal height. */
    private static Node chain(int layer, byte[] key, Cid value, int height) {
        Node bottom = Node.fresh(height);
        bottom.entries.add(new Entry(key, value, null));
        return wrap(bottom, layer);
    }

    /**
     * While the root holds only a subtree, that subtree becomes the root. A root the source lacks is
     * taken as it is (it cannot be an empty node without proof; if it were, the root CID would not
     * match and the caller's comparison fails).
     */
    private void trimRoot() {
        while (true) {
            if (!root.loaded && blocks.get(root.cid) == null) {
                return;
            }
            load(root);
            if (!root.entries.isEmpty()) {
                return;
            }
            if (root.left == null) {
                root = Node.fresh(0);
                return;
            }
            root = root.left;
        }
    }

    private Cid encode(Node n, BlockSink sink) {
        if (n.cid != null) {
            return n.cid;
        }
        Cid left = n.left == null ? null : encode(n.left, sink);
        List<MstNode.Entry> entries = new ArrayList<>(n.entries.size());
        byte[] previous = new byte[0];
        for (Entry e : n.entries) {
            int prefix = MstKeys.commonPrefix(previous, e.key);
            Cid right = e.right == null ? null : encode(e.right, sink);
            entries.add(new MstNode.Entry(prefix, Arrays.copyOfRange(e.key, prefix, e.key.length), e.value, right));
            previous = e.key;
        }
        byte[] block = new MstNode(left, entries).encode();
        n.cid = Cid.ofDagCbor(block);
        if (sink != null) {
            sink.put(n.cid, block);
        }
        return n.cid;
    }

    private void load(Node n) {
        if (n.loaded) {
            return;
        }
        byte[] block = blocks.get(n.cid);
        if (block == null) {
            throw new RepoVerificationException(MISSING_BLOCK, "MST node " + n.cid + " is not in the block set");
        }
        MstNode node;
        try {
            node = MstNode.decode(block);
        } catch (DagCborException e) {
            throw RepoVerificationException.of(e, "MST node " + n.cid);
        }
        byte[][] keys = MstWalker.keysOf(node, n.cid);
        boolean root = n.layer < 0;
        int layer;
        if (keys.length > 0) {
            layer = MstKeys.height(sha, keys[0]);
        } else if (root) {
            if (node.left() != null) {
                throw new RepoVerificationException(INVALID_MST, "root node " + n.cid + " has a subtree but no entries");
            }
            layer = 0;
        } else {
            if (node.left() == null) {
                throw new RepoVerificationException(INVALID_MST, "empty MST node " + n.cid);
            }
            layer = n.layer;
        }
        if (!root && layer != n.layer) {
            throw new RepoVerificationException(INVALID_MST,
                    "MST node " + n.cid + " is on layer " + layer + " but its parent expects " + n.layer);
        }
        List<Entry> entries = new ArrayList<>(keys.length + 1);
        for (int i = 0; i < keys.length; i++) {
            if (i > 0 && Arrays.compareUnsigned(keys[i - 1], keys[i]) >= 0) {
                throw new RepoVerificationException(INVALID_MST, "MST keys out of order in node " + n.cid);
            }
            if (i > 0 && MstKeys.height(sha, keys[i]) != layer) {
                throw new RepoVerificationException(INVALID_MST, "MST key with the wrong height in node " + n.cid);
            }
            MstNode.Entry e = node.entries().get(i);
            entries.add(new Entry(keys[i], e.value(), child(e.right(), layer, n.cid)));
        }
        n.layer = layer;
        n.left = child(node.left(), layer, n.cid);
        n.entries = entries;
        n.loaded = true;
    }

    private static Node child(Cid cid, int parentLayer, Cid parent) {
        if (cid == null) {
            return null;
        }
        if (parentLayer == 0) {
            throw new RepoVerificationException(INVALID_MST, "layer-0 MST node " + parent + " has a subtree");
        }
        requireDagCbor(cid);
        return Node.stub(cid, parentLayer - 1);
    }

    /** Index of the first entry whose key is at or after {@code key}. */
    private static int search(Node n, byte[] key) {
        int lo = 0;
        int hi = n.entries.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (Arrays.compareUnsigned(n.entries.get(mid).key, key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The subtree just before entry {@code i} (the node's left subtree for i = 0). */
    private static Node childAt(Node n, int i) {
        return i == 0 ? n.left : n.entries.get(i - 1).right;
    }

    private static void setChild(Node n, int i, Node child) {
        if (i == 0) {
            n.left = child;
        } else {
            n.entries.get(i - 1).right = child;
        }
    }

    private static byte[] checkKey(byte[] key) {
        if (key.length == 0 || key.length > MstNode.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("MST key must be 1.." + MstNode.MAX_KEY_BYTES + " bytes");
        }
        return key;
    }

    private static void requireDagCbor(Cid cid) {
        if (cid.codec() != Cid.DAG_CBOR) {
            throw new RepoVerificationException(INVALID_MST, "MST link " + cid + " is not dag-cbor");
        }
    }

    private static byte[] utf8(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }

    /** A node: loaded (entries known) or a stub (only its CID); {@code cid == null} once changed. */
    private static final class Node {
        int layer;
        Cid cid;
        boolean loaded;
        Node left;
        List<Entry> entries;

        static Node stub(Cid cid, int layer) {
            Node n = new Node();
            n.cid = cid;
            n.layer = layer;
            return n;
        }

        static Node fresh(int layer) {
            Node n = new Node();
            n.layer = layer;
            n.loaded = true;
            n.entries = new ArrayList<>();
            return n;
        }

        /** Loaded, with neither entries nor subtree. */
        boolean isEmpty() {
            return loaded && entries.isEmpty() && left == null;
        }
    }

    private static final class Entry {
        final byte[] key;
        Cid value;
        Node right;

        Entry(byte[] key, Cid value, Node right) {
            this.key = key;
            this.value = value;
            this.right = right;
        }
    }
}
