package dev.happyview.lexicon;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The lexicons in memory, for the hot paths that ask "is this a record collection?" (record writing, Tap events). */
public final class LexiconRegistry {
    private final Map<String, Lexicon> byId = new ConcurrentHashMap<>();

    void replaceAll(List<Lexicon> lexicons) {
        byId.clear();
        lexicons.forEach(l -> byId.put(l.id(), l.withoutDocument()));
    }

    void put(Lexicon l) {
        byId.put(l.id(), l.withoutDocument());
    }

    void remove(String id) {
        byId.remove(id);
    }

    public boolean isRecordCollection(String nsid) {
        Lexicon l = byId.get(nsid);
        return l != null && l.isRecord();
    }

    /** Record collections, sorted; with {@code backfillOnly}, only those uploaded with backfill on. */
    public List<String> recordCollections(boolean backfillOnly) {
        return byId.values().stream()
                .filter(l -> backfillOnly ? l.isBackfillEligible() : l.isRecord())
                .map(Lexicon::id)
                .sorted()
                .toList();
    }
}
