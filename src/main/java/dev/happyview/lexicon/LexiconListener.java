package dev.happyview.lexicon;

/** Told after an upload commits that a collection just became a backfill target; the backfill engine listens. */
@FunctionalInterface
public interface LexiconListener {
    void onBecameBackfillEligible(String collection) throws Exception;
}
