package dev.happyview.protocol.repo;

import java.util.ArrayList;
import java.util.List;

/**
 * One MST node as stored: {@code {"e": [entry…], "l": CID|null}}, each entry
 * {@code {"k": bytes, "p": int, "t": CID|null, "v": CID}}. Keys are prefix-compressed against the
 * previous entry of the same node: {@code key = previousKey[0:p] ++ k}.
 *
 * <p>Decoding is strict: every field present exactly once, no unknown fields, right types. Anything
 * else is {@link RepoVerificationException.Kind#INVALID_MST}.
 */
public record MstNode(Cid left, List<Entry> entries) {
    /** Upper bound for a full MST key ({@code collection/rkey}); NSIDs and record keys are far shorter. */
    public static final int MAX_KEY_BYTES = 1024;

    /** One entry; {@code right} is the subtree of keys between this entry and the next. */
    public record Entry(int prefixLength, byte[] keySuffix, Cid value, Cid right) {}

    public MstNode {
        entries = List.copyOf(entries);
    }

    public static MstNode decode(byte[] block) {
        DagCborReader in = new DagCborReader(block, DagCborDecoder.Limits.DEFAULT.maxItems());
        int fields = in.readMapHeader();
        Cid left = null;
        List<Entry> entries = null;
        boolean sawLeft = false;
        for (int i = 0; i < fields; i++) {
            String key = in.readText();
            switch (key) {
                case "l" -> {
                    requireFirst(sawLeft, key);
                    sawLeft = true;
                    left = in.readLinkOrNull();
                }
                case "e" -> {
                    requireFirst(entries != null, key);
                    int n = in.readArrayHeader();
                    entries = new ArrayList<>(n);
                    for (int j = 0; j < n; j++) {
                        entries.add(decodeEntry(in));
                    }
                }
                default -> throw invalid("unknown MST node field \"" + key + "\"");
            }
        }
        in.expectEnd();
        if (!sawLeft || entries == null) {
            throw invalid("MST node needs both \"e\" and \"l\"");
        }
        return new MstNode(left, entries);
    }

    private static Entry decodeEntry(DagCborReader in) {
        int fields = in.readMapHeader();
        byte[] suffix = null;
        long prefix = -1;
        Cid value = null;
        Cid right = null;
        boolean sawRight = false;
        for (int i = 0; i < fields; i++) {
            String key = in.readText();
            switch (key) {
                case "k" -> {
                    requireFirst(suffix != null, key);
                    suffix = in.readBytes();
                }
                case "p" -> {
                    requireFirst(prefix >= 0, key);
                    prefix = in.readInteger();
                    if (prefix < 0 || prefix > MAX_KEY_BYTES) {
                        throw invalid("MST prefix length " + prefix + " out of range");
                    }
                }
                case "v" -> {
                    requireFirst(value != null, key);
                    value = in.readLink();
                }
                case "t" -> {
                    requireFirst(sawRight, key);
                    sawRight = true;
                    right = in.readLinkOrNull();
                }
                default -> throw invalid("unknown MST entry field \"" + key + "\"");
            }
        }
        if (suffix == null || prefix < 0 || value == null || !sawRight) {
            throw invalid("MST entry needs \"k\", \"p\", \"t\" and \"v\"");
        }
        return new Entry((int) prefix, suffix, value, right);
    }

    /** Canonical encoding; field order is fixed (e, l and k, p, t, v are already in canonical order). */
    public byte[] encode() {
        DagCborWriter out = new DagCborWriter(64 + entries.size() * 96);
        out.mapHeader(2).text("e").arrayHeader(entries.size());
        for (Entry e : entries) {
            out.mapHeader(4)
                    .text("k").bytes(e.keySuffix())
                    .text("p").integer(e.prefixLength())
                    .text("t").linkOrNull(e.right())
                    .text("v").link(e.value());
        }
        out.text("l").linkOrNull(left);
        return out.toByteArray();
    }

    private static void requireFirst(boolean seen, String field) {
        if (seen) {
            throw invalid("duplicate MST field \"" + field + "\"");
        }
    }

    private static RepoVerificationException invalid(String message) {
        return new RepoVerificationException(RepoVerificationException.Kind.INVALID_MST, message);
    }
}
