package dev.happyview.metrics;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the cardinality of the {@code host} tag: the first {@code max} distinct hosts keep their name, later ones
 * are counted as {@code other} (a network has tens of thousands of PDS hosts; Prometheus should not get a series each).
 */
final class HostTags {
    static final String OTHER = "other";
    private final Set<String> known = ConcurrentHashMap.newKeySet();
    private final int max;

    HostTags(int max) {
        this.max = max;
    }

    String tag(String host) {
        if (host == null || host.isBlank()) return "unknown";
        String h = host.toLowerCase(Locale.ROOT);
        if (known.contains(h)) return h;
        synchronized (this) {
            if (known.size() < max) {
                known.add(h);
                return h;
            }
        }
        return OTHER;
    }
}
