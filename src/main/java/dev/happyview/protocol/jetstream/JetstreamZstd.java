package dev.happyview.protocol.jetstream;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Jetstream's optional compression ({@code compress=true} on {@code /subscribe}): every event is one binary message
 * holding one zstd frame, compressed with the custom dictionary Jetstream publishes (ID {@value #DICTIONARY_ID},
 * trained on the network's event JSON). The dictionary is a resource, {@code jetstream/zstd_dictionary}, the bytes of
 * bluesky-social/jetstream's {@code internal/subscribe/dictionaries/legacy_subscribe.zdict} (MIT licence), which is
 * what its {@code /subscribe} compresses with. A frame names its dictionary by ID; one naming another is refused.
 */
public final class JetstreamZstd {
    public static final long DICTIONARY_ID = 1612007021L;
    private static final byte[] DICTIONARY = load();
    /**
     * One decompression context for every event, its dictionary loaded once: making a context per event cost about
     * twenty times the decompression itself. Events arrive one connection at a time, so the lock is uncontended.
     */
    private static final ZstdDecompressCtx READER = reader();
    private static final ZstdDictCompress FOR_WRITING = new ZstdDictCompress(DICTIONARY, Zstd.defaultCompressionLevel());

    private JetstreamZstd() {}

    /**
     * The event JSON in a compressed message.
     *
     * @param maxBytes the largest event accepted, decompressed
     * @throws IllegalArgumentException for a message that is not a zstd frame of this dictionary, or a larger event
     */
    public static String decompress(byte[] frame, int maxBytes) {
        long dictionary = Zstd.getDictIdFromFrame(frame);
        if (dictionary != DICTIONARY_ID) {
            throw new IllegalArgumentException("not a zstd frame of Jetstream's dictionary " + DICTIONARY_ID
                    + " (its dictionary: " + dictionary + ")");
        }
        long size = Zstd.getFrameContentSize(frame);
        if (size > maxBytes) throw new IllegalArgumentException("event of " + size + " bytes, more than " + maxBytes);
        byte[] out = new byte[size >= 0 ? (int) size : maxBytes]; // a frame may leave its size out
        try {
            int n;
            synchronized (READER) {
                n = READER.decompressByteArray(out, 0, out.length, frame, 0, frame.length);
            }
            return new String(out, 0, n, StandardCharsets.UTF_8);
        } catch (ZstdException e) {
            throw new IllegalArgumentException("unreadable zstd frame: " + e.getMessage(), e);
        }
    }

    /** An event as Jetstream sends it compressed (the simulated Jetstream's side). */
    public static byte[] compress(String json) {
        return Zstd.compress(json.getBytes(StandardCharsets.UTF_8), FOR_WRITING);
    }

    private static ZstdDecompressCtx reader() {
        var ctx = new ZstdDecompressCtx();
        ctx.loadDict(new ZstdDictDecompress(DICTIONARY));
        return ctx;
    }

    private static byte[] load() {
        try (InputStream in = JetstreamZstd.class.getResourceAsStream("/jetstream/zstd_dictionary")) {
            if (in == null) throw new IllegalStateException("resource jetstream/zstd_dictionary missing");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
