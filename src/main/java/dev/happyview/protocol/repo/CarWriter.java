package dev.happyview.protocol.repo;

import dev.happyview.protocol.multiformats.Varint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** Writes CAR v1: a header naming the roots, then blocks in whatever order the caller chooses. */
public final class CarWriter {
    private final OutputStream out;

    /** Writes the header at once. */
    public CarWriter(OutputStream out, List<Cid> roots) throws IOException {
        this.out = out;
        DagCborWriter header = new DagCborWriter().mapHeader(2).text("roots").arrayHeader(roots.size());
        for (Cid root : roots) {
            header.link(root);
        }
        byte[] bytes = header.text("version").integer(1).toByteArray();
        out.write(Varint.encode(bytes.length));
        out.write(bytes);
    }

    public void write(Cid cid, byte[] block) throws IOException {
        out.write(Varint.encode((long) cid.length() + block.length));
        out.write(cid.toBytes());
        out.write(block);
    }

    /** A whole CAR in memory: the root, then the blocks in the map's iteration order. */
    public static byte[] toBytes(Cid root, Map<Cid, byte[]> blocks) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        try {
            CarWriter writer = new CarWriter(buffer, List.of(root));
            for (Map.Entry<Cid, byte[]> block : blocks.entrySet()) {
                writer.write(block.getKey(), block.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return buffer.toByteArray();
    }
}
