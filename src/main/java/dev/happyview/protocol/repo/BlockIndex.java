package dev.happyview.protocol.repo;

import java.util.Arrays;

/**
 * A compact, primitive-array index from a block's CID to where its section lies in a {@link SpillArena}:
 * 16 bytes per block (first 8 digest bytes as the key; offset and length packed in one long), no
 * object per block. Keys are only a hash prefix, so every hit must be confirmed against the full CID
 * stored in the arena (several entries may share a key: duplicates, or a crafted collision).
 */
final class BlockIndex {
    static final int LENGTH_BITS = 24;
    static final long MAX_OFFSET = (1L << (63 - LENGTH_BITS)) - 1;
    static final int MAX_LENGTH = (1 << LENGTH_BITS) - 1;

    private long[] keys = new long[1024];
    private long[] locations = new long[1024];
    private int size;
    private boolean sorted;

    int size() {
        return size;
    }

    void add(long key, long offset, int length) {
        if (offset > MAX_OFFSET || length > MAX_LENGTH) {
            throw new IllegalArgumentException("block location out of index range");
        }
        if (size == keys.length) {
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, keys.length * 2L);
            keys = Arrays.copyOf(keys, capacity);
            locations = Arrays.copyOf(locations, capacity);
        }
        keys[size] = key;
        locations[size] = (offset << LENGTH_BITS) | length;
        size++;
        sorted = false;
    }

    /** Sorts by key (heapsort on the two parallel arrays: in place, no recursion, no worst case). */
    void sort() {
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(i, size);
        }
        for (int end = size - 1; end > 0; end--) {
            swap(0, end);
            siftDown(0, end);
        }
        sorted = true;
    }

    /** First position whose key equals {@code key}, or -1. Positions with the same key follow it. */
    int first(long key) {
        if (!sorted) {
            throw new IllegalStateException("index not sorted");
        }
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keys[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < size && keys[lo] == key ? lo : -1;
    }

    long key(int position) {
        return keys[position];
    }

    long offset(int position) {
        return locations[position] >>> LENGTH_BITS;
    }

    int length(int position) {
        return (int) (locations[position] & MAX_LENGTH);
    }

    private void siftDown(int i, int n) {
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                return;
            }
            if (child + 1 < n && keys[child + 1] > keys[child]) {
                child++;
            }
            if (keys[i] >= keys[child]) {
                return;
            }
            swap(i, child);
            i = child;
        }
    }

    private void swap(int a, int b) {
        long k = keys[a];
        keys[a] = keys[b];
        keys[b] = k;
        long l = locations[a];
        locations[a] = locations[b];
        locations[b] = l;
    }
}
