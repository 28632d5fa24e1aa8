package dev.happyview.testing;

import static org.awaitility.Awaitility.await;

import dev.happyview.simnet.SimNetwork;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/** Waits for the service's index to equal the simulated network; on failure says how they differ. */
public final class IndexComparison {
    private IndexComparison() {}

    /**
     * @param explain for a failure message: what the service and the source say about some differing URIs
     */
    public static void awaitEqual(TestApp app, SimNetwork net, Set<String> collections, Duration within,
            Function<List<String>, String> explain) {
        try {
            await().atMost(within).pollInterval(Duration.ofMillis(250))
                    .until(() -> app.indexedRecords().equals(net.groundTruth(collections, null).records()));
        } catch (ConditionTimeoutException e) {
            Map<String, String> actual = app.indexedRecords();
            Map<String, String> expected = net.groundTruth(collections, null).records();
            var missing = new TreeSet<>(expected.keySet());
            missing.removeAll(actual.keySet());
            var extra = new TreeSet<>(actual.keySet());
            extra.removeAll(expected.keySet());
            List<String> differ = expected.keySet().stream()
                    .filter(k -> actual.containsKey(k) && !actual.get(k).equals(expected.get(k))).toList();
            throw new AssertionError("index differs from the network: " + missing.size() + " missing " + missing.stream().limit(3).toList()
                    + ", " + extra.size() + " extra " + extra.stream().limit(3).toList() + ", " + differ.size() + " differ "
                    + differ.stream().limit(3).toList() + "; live: " + app.get("/admin/live", TestApp.ADMIN_KEY).body()
                    + explain.apply(Stream.concat(extra.stream().limit(2), missing.stream().limit(2)).toList()), e);
        }
    }
}
