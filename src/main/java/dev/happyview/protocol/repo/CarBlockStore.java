package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.LIMIT_EXCEEDED;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * All blocks of one CAR, hash-checked, addressable by CID, with heap use bounded independently of
 * the repo's size.
 *
 * <p>Design: the CAR is read once, front to back; each section ({@code CID | block}) is appended to a
 * {@link SpillArena} (heap below {@link Options#memoryThreshold()}, a temporary file above it) and its
 * location recorded in a {@link BlockIndex} of two primitive {@code long} arrays keyed by the first 8
 * digest bytes. After the index is sorted, {@link #get} is a binary search plus one positional read,
 * confirmed against the full stored CID. The heap cost is ~16 bytes per block (about 22 MB for a
 * million-record repo) plus the threshold, instead of one object graph per block; block order in the
 * CAR and duplicates do not matter.
 */
public final class CarBlockStore implements BlockSource, AutoCloseable {
    /** Where to spill, when, and how much a single CAR may hold. */
    public record Options(Path tempDir, long memoryThreshold, long maxCarBytes, int maxBlocks, CarReader.Limits car) {
        /** Spill above 16 MiB to java.io.tmpdir; refuse CARs over 8 GiB or 50 million blocks. */
        public static final Options DEFAULT = new Options(
                Path.of(System.getProperty("java.io.tmpdir")), 16L << 20, 8L << 30, 50_000_000, CarReader.Limits.DEFAULT);

        public Options withTempDir(Path dir) {
            return new Options(dir, memoryThreshold, maxCarBytes, maxBlocks, car);
        }

        public Options withMemoryThreshold(long bytes) {
            return new Options(tempDir, bytes, maxCarBytes, maxBlocks, car);
        }
    }

    private final List<Cid> roots;
    private final SpillArena arena;
    private final BlockIndex index;
    private final long carBytes;

    private CarBlockStore(List<Cid> roots, SpillArena arena, BlockIndex index, long carBytes) {
        this.roots = roots;
        this.arena = arena;
        this.index = index;
        this.carBytes = carBytes;
    }

    /** Reads and hash-checks a whole CAR; the caller must close the result. */
    public static CarBlockStore read(InputStream in, Options options) throws IOException {
        CarReader reader = new CarReader(in, options.car());
        SpillArena arena = new SpillArena(options.tempDir(), options.memoryThreshold());
        try {
            BlockIndex index = new BlockIndex();
            for (CarReader.Block block = reader.next(); block != null; block = reader.next()) {
                if (index.size() >= options.maxBlocks()) {
                    throw new RepoVerificationException(LIMIT_EXCEEDED, "CAR holds more than " + options.maxBlocks() + " blocks");
                }
                if (reader.bytesRead() > options.maxCarBytes()) {
                    throw new RepoVerificationException(LIMIT_EXCEEDED, "CAR larger than " + options.maxCarBytes() + " bytes");
                }
                byte[] cid = block.cid().toBytes();
                long offset = arena.append(cid, block.data(), 0, block.data().length);
                index.add(block.cid().digestPrefix(), offset, cid.length + block.data().length);
            }
            arena.seal();
            index.sort();
            return new CarBlockStore(reader.roots(), arena, index, reader.bytesRead());
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public List<Cid> roots() {
        return roots;
    }

    @Override
    public byte[] get(Cid cid) {
        byte[] section = find(cid, false);
        return section == null ? null : Arrays.copyOfRange(section, cid.length(), section.length);
    }

    /** Whether the CAR holds this block, without reading the block itself. */
    public boolean contains(Cid cid) {
        return find(cid, true) != null;
    }

    public int blockCount() {
        return index.size();
    }

    public long carBytes() {
        return carBytes;
    }

    /** Whether the blocks went to a temporary file. */
    public boolean spilled() {
        return arena.spilled();
    }

    private byte[] find(Cid cid, boolean cidOnly) {
        long key = cid.digestPrefix();
        for (int pos = index.first(key); pos >= 0 && pos < index.size() && index.key(pos) == key; pos++) {
            int length = index.length(pos);
            if (length < cid.length()) {
                continue;
            }
            byte[] bytes = new byte[cidOnly ? cid.length() : length];
            arena.read(index.offset(pos), bytes);
            if (cid.isPrefixOf(bytes, 0, bytes.length)) {
                return bytes;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        arena.close();
    }
}
