package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * After a benchmark run: every (uri, cid) of simnet's ground truth is in the index and nothing else is, so a fast
 * wrong run cannot pass. Both sides are compared as sorted 64-bit hashes of their pairs (a few MB for 300k records,
 * where two maps of strings took ~150 MB of the service's 256 MB heap); a false match would need a hash collision.
 */
final class IndexCheck {
    private IndexCheck() {}

    static void requireEqualToGroundTruth(SimnetProcess net, String name, List<String> collections, String jdbc)
            throws Exception {
        var expected = new LongList();
        String url = net.info().get("ground_truth_url").asText() + "?collections="
                + URLEncoder.encode(String.join(",", collections), StandardCharsets.UTF_8);
        try (var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            var lines = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofLines()).body();
            lines.forEach(l -> {
                try {
                    JsonNode n = Json.MAPPER.readTree(l);
                    if (n.has("uri")) expected.add(pairHash(n.get("uri").asText(), n.get("cid").asText()));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        var actual = new LongList();
        try (var c = DriverManager.getConnection(jdbc)) {
            c.setAutoCommit(false); // a cursor, so the rows stream instead of arriving all at once
            try (var st = c.createStatement()) {
                st.setFetchSize(5000);
                try (var rs = st.executeQuery("SELECT uri, cid FROM records")) {
                    while (rs.next()) actual.add(pairHash(rs.getString(1), rs.getString(2)));
                }
            }
        }
        if (!actual.sortedEquals(expected)) {
            throw new IllegalStateException(name + ": index differs from the ground truth: " + actual.size()
                    + " rows indexed, " + expected.size() + " expected");
        }
    }

    private static long pairHash(String uri, String cid) {
        long h = 0xcbf29ce484222325L; // FNV-1a over "uri cid", then a final mix
        for (int i = 0; i < uri.length(); i++) h = (h ^ uri.charAt(i)) * 0x100000001b3L;
        h = (h ^ ' ') * 0x100000001b3L;
        for (int i = 0; i < cid.length(); i++) h = (h ^ cid.charAt(i)) * 0x100000001b3L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        return h ^ (h >>> 33);
    }

    /** A growable array of longs. */
    private static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) values = Arrays.copyOf(values, size * 2);
            values[size++] = v;
        }

        int size() {
            return size;
        }

        boolean sortedEquals(LongList other) {
            if (size != other.size) return false;
            long[] a = Arrays.copyOf(values, size);
            long[] b = Arrays.copyOf(other.values, other.size);
            Arrays.sort(a);
            Arrays.sort(b);
            return Arrays.equals(a, b);
        }
    }
}
