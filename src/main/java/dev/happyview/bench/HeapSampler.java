package dev.happyview.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;

/** Samples the used heap on a daemon thread at a fixed interval; the peak is what a -Xmx must allow. */
public final class HeapSampler {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final long intervalMillis;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peak;

    private HeapSampler(Duration interval) {
        this.intervalMillis = Math.max(1, interval.toMillis());
        this.thread = Thread.ofPlatform().daemon().name("heap-sampler").start(this::sample);
    }

    /** Starts sampling now. */
    public static HeapSampler start(Duration interval) {
        return new HeapSampler(interval);
    }

    private void sample() {
        while (running) {
            peak = Math.max(peak, memory.getHeapMemoryUsage().getUsed());
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling and returns the peak used heap in bytes. */
    public long stop() {
        running = false;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return peak;
    }
}
