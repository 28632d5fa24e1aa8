package dev.happyview.protocol.repo;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Append-only byte storage that stays on the heap up to a threshold and then moves to a temporary
 * file, so a repo's blocks cost heap only while the repo is small. After {@link #seal()} it serves
 * random reads (positional file reads, which the page cache makes cheap). The file is deleted on close.
 */
final class SpillArena implements AutoCloseable {
    private final Path tempDir;
    private final long memoryThreshold;
    private byte[] memory = new byte[64 * 1024];
    private Path path;
    private FileChannel channel;
    private OutputStream fileOut;
    private long size;
    private boolean sealed;

    SpillArena(Path tempDir, long memoryThreshold) {
        this.tempDir = tempDir;
        this.memoryThreshold = Math.min(memoryThreshold, 1L << 30);
    }

    long size() {
        return size;
    }

    boolean spilled() {
        return channel != null;
    }

    /** Appends {@code a} then {@code b[bOff..bOff+bLen)}; returns the offset where {@code a} starts. */
    long append(byte[] a, byte[] b, int bOff, int bLen) throws IOException {
        if (sealed) {
            throw new IllegalStateException("arena is sealed");
        }
        long start = size;
        int len = a.length + bLen;
        if (channel == null && size + len > memoryThreshold) {
            spill();
        }
        if (channel == null) {
            if (size + len > memory.length) {
                memory = Arrays.copyOf(memory, (int) Math.min(Math.max(memory.length * 2L, size + len), memoryThreshold));
            }
            System.arraycopy(a, 0, memory, (int) size, a.length);
            System.arraycopy(b, bOff, memory, (int) size + a.length, bLen);
        } else {
            fileOut.write(a);
            fileOut.write(b, bOff, bLen);
        }
        size += len;
        return start;
    }

    /** Ends writing; reads are allowed from now on. */
    void seal() throws IOException {
        if (fileOut != null) {
            fileOut.flush();
        }
        sealed = true;
    }

    /** Reads {@code dst.length} bytes at {@code position}. */
    void read(long position, byte[] dst) {
        if (channel == null) {
            System.arraycopy(memory, (int) position, dst, 0, dst.length);
            return;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(dst);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new IOException("spill file shorter than expected");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading spilled CAR blocks", e);
        }
    }

    private void spill() throws IOException {
        path = Files.createTempFile(tempDir, "car-", ".blocks");
        channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        fileOut = new BufferedOutputStream(Channels.newOutputStream(channel), 256 * 1024);
        fileOut.write(memory, 0, (int) size);
        memory = null;
    }

    @Override
    public void close() throws IOException {
        memory = null;
        if (channel != null) {
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(path);
            }
        }
    }
}
