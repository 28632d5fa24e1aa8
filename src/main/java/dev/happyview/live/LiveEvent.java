package dev.happyview.live;

/** One event of a live source, as the pipeline sees it: whose, where in the stream, and how to keep it. */
public interface LiveEvent {
    /** The repo it concerns; null if the event named none (it is only counted). */
    String did();

    /** Its position in the stream; the source resumes after the last one committed. */
    long cursor();

    /** Its repo revision; null for events that carry none (account, identity). */
    String rev();

    /** When the source says it happened, in microseconds since the epoch (for lag). */
    long timeMicros();

    /** The event as kept in the buffer while its repo is being backfilled. */
    byte[] payload();
}
