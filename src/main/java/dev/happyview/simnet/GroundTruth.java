package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.Function;

/**
 * What a correct backfill must have indexed at the moment this was taken.
 *
 * @param records          AT-URI → record CID, for every record of the asked collections in repos that
 *                         can be backfilled with the strategy
 * @param expectedFailures DID → the permanent fault that makes it fail (only repos the relay lists for
 *                         one of the asked collections)
 */
public record GroundTruth(Strategy strategy, SortedMap<String, String> records, Map<String, Faults.Kind> expectedFailures,
                          Function<String, JsonNode> values) {
    /** The record JSON (atproto data model) for a URI of {@link #records}, or null. */
    public JsonNode value(String uri) {
        return records.containsKey(uri) ? values.apply(uri) : null;
    }

    public int size() {
        return records.size();
    }
}
