package dev.happyview.sync;

import dev.happyview.records.RecordWriter;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic upkeep of the sync state: ends backfill sessions whose process is gone, and drops tombstones past the
 * horizon. The horizon is twice the longest a backfill may read before its writes land ({@link #MAX_READ_TO_WRITE},
 * enforced by the backfill), so a tombstone outlives every write that was read before its delete.
 */
public final class Housekeeping implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Housekeeping.class);

    /** How long deletes are remembered. */
    public static final Duration TOMBSTONE_HORIZON = Duration.ofHours(24);
    /** The longest one repo's backfill may go on reading; after that it stops and is fetched again later. */
    public static final Duration MAX_READ_TO_WRITE = TOMBSTONE_HORIZON.dividedBy(2);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sync-housekeeping").factory());

    public Housekeeping(HandOff handOff, RecordWriter writer, Duration every) {
        timer.scheduleWithFixedDelay(() -> {
            try {
                handOff.expire();
                int pruned = writer.pruneTombstones(TOMBSTONE_HORIZON);
                if (pruned > 0) log.info("dropped {} tombstone(s) older than {}", pruned, TOMBSTONE_HORIZON);
            } catch (Exception e) {
                log.warn("sync housekeeping: {}", e.toString());
            }
        }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
