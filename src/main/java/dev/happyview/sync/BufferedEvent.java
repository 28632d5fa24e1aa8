package dev.happyview.sync;

/** A live event that waited for its repo's backfill: {@code payload} is the event as its source encoded it. */
public record BufferedEvent(long id, String did, String source, String rev, byte[] payload) {}
