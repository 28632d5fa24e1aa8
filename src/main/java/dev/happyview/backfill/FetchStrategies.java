package dev.happyview.backfill;

import java.util.Map;
import java.util.Set;

/** The fetch strategies by name; a job names one or gets the default. */
final class FetchStrategies {
    private final Map<String, FetchStrategy> byName;
    private final String defaultName;

    FetchStrategies(Map<String, FetchStrategy> byName, String defaultName) {
        this.byName = byName;
        this.defaultName = defaultName;
    }

    boolean knows(String name) {
        return byName.containsKey(name);
    }

    Set<String> names() {
        return byName.keySet();
    }

    FetchStrategy forJob(BackfillJob job) {
        FetchStrategy s = byName.get(job.strategy());
        return s != null ? s : byName.get(defaultName);
    }
}
