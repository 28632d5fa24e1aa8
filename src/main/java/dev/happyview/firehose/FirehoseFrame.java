package dev.happyview.firehose;

import dev.happyview.live.LiveEvent;
import dev.happyview.protocol.firehose.FirehoseEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.AccountEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.IdentityEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InvalidEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.SyncEvent;
import dev.happyview.protocol.firehose.FrameDecoder;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One {@code subscribeRepos} frame on its way through the live pipeline: the decoded event, the bytes as received
 * (kept in the buffer while the repo is being backfilled), and what the applier's check before the transaction found.
 */
final class FirehoseFrame implements LiveEvent {
    private static final FrameDecoder DECODER = new FrameDecoder();

    private final FirehoseEvent event;
    private final byte[] bytes;
    private final long timeMicros;
    /** Set by {@link FirehoseApplier#prepare}; read by the same partition thread. */
    private Check check;

    private FirehoseFrame(FirehoseEvent event, byte[] bytes) {
        this.event = event;
        this.bytes = bytes;
        this.timeMicros = micros(time(event));
    }

    /** Decodes a whole frame (never throws: a frame that is not a valid event becomes an {@link InvalidEvent}). */
    static FirehoseFrame decode(byte[] frame) {
        return new FirehoseFrame(DECODER.decode(frame), frame);
    }

    /**
     * A frame larger than the client keeps: only its start was read. Its sequence number and repo are taken from that
     * start when it holds them (they come before the blocks in a commit's canonical encoding), so the refusal is
     * counted once, the cursor moves past it and its repo is known to have missed an event.
     */
    static FirehoseFrame oversized(byte[] start, long size, long limit) {
        String reason = "frame of " + size + " bytes exceeds the " + limit + " bytes kept";
        FirehoseEvent read = DECODER.decode(start);
        InvalidEvent invalid = switch (read) {
            case InvalidEvent i -> new InvalidEvent(i.seq(), i.type(), i.did(), reason);
            case CommitEvent c -> new InvalidEvent(c.seq(), "#commit", c.repo(), reason);
            default -> new InvalidEvent(read.seq(), null, null, reason);
        };
        return new FirehoseFrame(invalid, start);
    }

    FirehoseEvent event() {
        return event;
    }

    Check check() {
        return check;
    }

    void check(Check check) {
        this.check = check;
    }

    @Override
    public String did() {
        return switch (event) {
            case CommitEvent c -> c.repo();
            case SyncEvent s -> s.did();
            case IdentityEvent i -> i.did();
            case AccountEvent a -> a.did();
            case InvalidEvent i -> i.did();
            default -> null;
        };
    }

    @Override
    public long cursor() {
        return event.seq();
    }

    @Override
    public String rev() {
        return switch (event) {
            case CommitEvent c -> c.rev();
            case SyncEvent s -> s.rev();
            default -> null;
        };
    }

    @Override
    public long timeMicros() {
        return timeMicros;
    }

    @Override
    public byte[] payload() {
        return bytes;
    }

    private static String time(FirehoseEvent e) {
        return switch (e) {
            case CommitEvent c -> c.time();
            case SyncEvent s -> s.time();
            case IdentityEvent i -> i.time();
            case AccountEvent a -> a.time();
            default -> null;
        };
    }

    /** The event's time, or now when it has none or an unreadable one (it is only used for the lag). */
    private static long micros(String time) {
        if (time != null) {
            try {
                Instant t = Instant.parse(time);
                return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
            } catch (DateTimeParseException e) {
                // fall through
            }
        }
        return System.currentTimeMillis() * 1000;
    }
}
