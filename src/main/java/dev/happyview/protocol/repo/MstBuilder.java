package dev.happyview.protocol.repo;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Builds the canonical MST for keys given in strictly increasing order, streaming each finished node
 * block to a {@link BlockSink}. Only the nodes on the current right-hand path are held (one open node
 * per layer), so a million-key repo needs no more memory than a small one.
 *
 * <p>How it works: a key of height h is appended to the open node of layer h; before that, the open
 * nodes of every layer below h are closed bottom-up, and each closed node becomes the subtree of the
 * layer above it (that node's last entry's {@code t}, or its {@code l} when it has no entry yet). A layer
 * with no entry of its own between two higher keys therefore yields the {@code {"e": [], "l": child}}
 * node the canonical tree requires.
 */
public final class MstBuilder {
    private final BlockSink sink;
    private final MessageDigest sha = Cid.sha256();
    private final List<OpenNode> layers = new ArrayList<>();
    private byte[] lastKey;
    private boolean finished;

    public MstBuilder(BlockSink sink) {
        this.sink = sink;
    }

    /** Builds the whole tree from a sorted map (its natural String order equals bytewise order for ASCII keys). */
    public static Cid build(SortedMap<String, Cid> entries, BlockSink sink) {
        MstBuilder builder = new MstBuilder(sink);
        for (Map.Entry<String, Cid> e : entries.entrySet()) {
            builder.add(e.getKey(), e.getValue());
        }
        return builder.finish();
    }

    public void add(String key, Cid value) {
        add(key.getBytes(StandardCharsets.UTF_8), value);
    }

    /** Adds the next key; keys must arrive in strictly increasing bytewise order. */
    public void add(byte[] key, Cid value) {
        if (finished) {
            throw new IllegalStateException("builder already finished");
        }
        if (key.length == 0 || key.length > MstNode.MAX_KEY_BYTES) {
            throw new IllegalArgumentException("MST key must be 1.." + MstNode.MAX_KEY_BYTES + " bytes");
        }
        if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
            throw new IllegalArgumentException("MST keys must be added in strictly increasing order: "
                    + new String(key, StandardCharsets.UTF_8));
        }
        lastKey = key;
        int height = MstKeys.height(sha, key);
        while (layers.size() <= height) {
            layers.add(new OpenNode());
        }
        closeBelow(height);
        layers.get(height).add(key, value);
    }

    /** Emits the remaining nodes and returns the root CID (an empty node for an empty tree). */
    public Cid finish() {
        if (finished) {
            throw new IllegalStateException("builder already finished");
        }
        finished = true;
        if (layers.isEmpty()) {
            return emit(new MstNode(null, List.of()));
        }
        int top = layers.size() - 1;
        closeBelow(top);
        return emit(layers.get(top).toNode());
    }

    private void closeBelow(int layer) {
        for (int i = 0; i < layer; i++) {
            OpenNode node = layers.get(i);
            if (node.isEmpty()) {
                continue;
            }
            Cid cid = emit(node.toNode());
            layers.set(i, new OpenNode());
            layers.get(i + 1).attach(cid);
        }
    }

    private Cid emit(MstNode node) {
        byte[] block = node.encode();
        Cid cid = Cid.ofDagCbor(block);
        sink.put(cid, block);
        return cid;
    }

    /** The node under construction on one layer. */
    private static final class OpenNode {
        private Cid left;
        private final List<MstNode.Entry> entries = new ArrayList<>();
        private byte[] previousKey = new byte[0];

        boolean isEmpty() {
            return left == null && entries.isEmpty();
        }

        void add(byte[] key, Cid value) {
            int prefix = MstKeys.commonPrefix(previousKey, key);
            entries.add(new MstNode.Entry(prefix, Arrays.copyOfRange(key, prefix, key.length), value, null));
            previousKey = key;
        }

        /** Hangs a closed lower-layer node under this one, right of everything added so far. */
        void attach(Cid child) {
            if (entries.isEmpty()) {
                left = child;
            } else {
                MstNode.Entry last = entries.removeLast();
                entries.add(new MstNode.Entry(last.prefixLength(), last.keySuffix(), last.value(), child));
            }
        }

        MstNode toNode() {
            return new MstNode(left, entries);
        }
    }
}
