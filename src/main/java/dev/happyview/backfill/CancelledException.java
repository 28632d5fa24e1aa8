package dev.happyview.backfill;

/** The job was cancelled or the process is stopping; the repo's lease is given back untouched. */
final class CancelledException extends Exception {
    CancelledException() {
        super("cancelled", null, false, false);
    }
}
