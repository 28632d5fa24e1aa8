package dev.happyview.simnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What a correct backfill must index, computed from the registry at the moment it is asked. */
final class GroundTruthOracle {
    private final RepoRegistry registry;
    private final List<String> scenarioCollections;

    GroundTruthOracle(RepoRegistry registry, List<String> scenarioCollections) {
        this.registry = registry;
        this.scenarioCollections = scenarioCollections;
    }

    /** The asked collections, or the scenario's when none are asked. */
    Set<String> collectionsOrDefault(Set<String> collections) {
        return collections == null || collections.isEmpty()
                ? new LinkedHashSet<>(scenarioCollections) : Set.copyOf(collections);
    }

    /** See {@link SimNetwork#groundTruth(Strategy, Set, String)}. */
    GroundTruth groundTruth(Strategy strategy, Set<String> collections, String didOrNull) {
        Set<String> colls = collectionsOrDefault(collections);
        TreeMap<String, String> records = new TreeMap<>();
        Map<String, JsonNode> values = new HashMap<>();
        Map<String, Faults.Kind> failures = new TreeMap<>();
        List<SimRepo> which;
        if (didOrNull == null) {
            which = registry.all();
        } else {
            SimRepo one = registry.find(didOrNull);
            which = one == null ? List.of() : List.of(one);
        }
        Map<String, Set<String>> listed = registry.listedDids(colls, didOrNull);
        for (SimRepo r : which) {
            if (fails(r, strategy)) {
                if (colls.stream().anyMatch(c -> listed.getOrDefault(c, Set.of()).contains(r.did))) {
                    failures.put(r.did, r.fault.kind());
                }
                continue;
            }
            for (SimRepo.Entry e : r.snapshot(colls)) {
                String uri = "at://" + r.did + "/" + e.key();
                records.put(uri, r.cid(e).toString());
                values.put(uri, r.value(e));
            }
        }
        return new GroundTruth(strategy, Collections.unmodifiableSortedMap(records), Collections.unmodifiableMap(failures),
                values::get);
    }

    /** Whether a repo's permanent fault makes a backfill with this strategy fail. */
    static boolean fails(SimRepo r, Strategy s) {
        if (r.fault == null || !r.fault.permanent()) {
            return false;
        }
        Faults.Kind k = r.fault.kind();
        if (k.carFault()) {
            return s == Strategy.GET_REPO;
        }
        if (k == Faults.Kind.INVALID_JSON) {
            return s == Strategy.LIST_RECORDS;
        }
        return true;
    }

    /**
     * JSON lines: one {@code {"uri","cid","value"}} per record, then one
     * {@code {"did","expected_failure":"<fault>"}} per expected failure.
     */
    static void write(GroundTruth gt, OutputStream out) throws IOException {
        for (Map.Entry<String, String> e : gt.records().entrySet()) {
            ObjectNode line = Replies.JSON.createObjectNode().put("uri", e.getKey()).put("cid", e.getValue());
            line.set("value", gt.value(e.getKey()));
            out.write(Replies.JSON.writeValueAsBytes(line));
            out.write('\n');
        }
        for (Map.Entry<String, Faults.Kind> e : gt.expectedFailures().entrySet()) {
            out.write(Replies.JSON.writeValueAsBytes(
                    Replies.JSON.createObjectNode().put("did", e.getKey()).put("expected_failure", e.getValue().spec)));
            out.write('\n');
        }
    }
}
