package dev.happyview.protocol.xrpc;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Response bodies with limits: a size cap counted after decompression (so a gzip bomb is refused like any other
 * oversized body), a deadline for whole bodies, and an idle timeout for streams, enforced by closing the stream
 * from a timer so a server that drips bytes or stalls cannot hold a caller forever.
 */
final class BoundedBodies {
    private static final ScheduledExecutorService TIMER = timer();

    /** Cancelled alarms leave the queue at once: nearly every body finishes in time, and each alarm holds its stream. */
    private static ScheduledExecutorService timer() {
        var timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "xrpc-body-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    private BoundedBodies() {}

    /** Reads a whole body within {@code deadline}, refusing more than {@code maxBytes}. */
    static byte[] readAll(InputStream in, long maxBytes, Duration deadline) throws IOException {
        var timedOut = new boolean[1];
        ScheduledFuture<?> alarm = TIMER.schedule(() -> {
            timedOut[0] = true;
            closeQuietly(in);
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try (InputStream limited = new LimitedInputStream(in, maxBytes)) {
            return limited.readAllBytes();
        } catch (IOException e) {
            if (timedOut[0]) throw new BodyTimeoutException("response body not received within " + deadline.toSeconds() + " s");
            throw e;
        } finally {
            alarm.cancel(false);
        }
    }

    /** Wraps a streamed body: size cap, idle timeout, and {@code onClose} run exactly once. */
    static InputStream stream(InputStream in, long maxBytes, Duration idleTimeout, Runnable onClose) {
        return new WatchedInputStream(new LimitedInputStream(in, maxBytes), idleTimeout, onClose);
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing to abort: nothing more to do
        }
    }

    static final class BodyTooLargeException extends IOException {
        BodyTooLargeException(String message) {
            super(message);
        }
    }

    static final class BodyTimeoutException extends IOException {
        BodyTimeoutException(String message) {
            super(message);
        }
    }

    private static final class LimitedInputStream extends FilterInputStream {
        private final long max;
        private long count;

        LimitedInputStream(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) count(n);
            return n;
        }

        private void count(int n) throws IOException {
            count += n;
            if (count > max) throw new BodyTooLargeException("response body larger than " + max + " bytes");
        }
    }

    private static final class WatchedInputStream extends FilterInputStream {
        private final Runnable onClose;
        private final ScheduledFuture<?> watchdog;
        private volatile long lastProgressNanos = System.nanoTime();
        private volatile boolean idleClosed;
        private boolean closed;

        WatchedInputStream(InputStream in, Duration idle, Runnable onClose) {
            super(in);
            this.onClose = onClose;
            long idleNanos = idle.toNanos();
            long period = Math.max(100, Math.min(1000, idle.toMillis() / 4));
            this.watchdog = TIMER.scheduleAtFixedRate(() -> {
                if (System.nanoTime() - lastProgressNanos > idleNanos) {
                    idleClosed = true;
                    closeQuietly(this.in);
                }
            }, period, period, TimeUnit.MILLISECONDS);
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                lastProgressNanos = System.nanoTime();
                return b;
            } catch (IOException e) {
                throw idleClosed ? new BodyTimeoutException("stream stalled") : e;
            }
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            try {
                int n = super.read(buf, off, len);
                lastProgressNanos = System.nanoTime();
                return n;
            } catch (IOException e) {
                throw idleClosed ? new BodyTimeoutException("stream stalled") : e;
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (closed) return;
            closed = true;
            watchdog.cancel(false);
            try {
                super.close();
            } finally {
                onClose.run();
            }
        }
    }
}
