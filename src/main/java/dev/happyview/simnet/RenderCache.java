package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPOutputStream;

/**
 * The PDS hosts' rendered answers: listRecords pages and gzipped CARs, kept per DID and dropped when the repo
 * changes. A real PDS reads stored records and pays its own compression; here rendering runs on the same cores as
 * the service under test, so a benchmark renders everything before it starts timing ({@link #prerender}).
 */
final class RenderCache {
    private record GzippedCar(SimRepo.Car car, byte[] gzipped) {}

    private final RepoRegistry registry;
    /** DID → (collection|limit|cursor|reverse) → body. */
    private final Map<String, Map<String, byte[]>> pages = new ConcurrentHashMap<>();
    private final Map<String, GzippedCar> gzippedCars = new ConcurrentHashMap<>();

    RenderCache(RepoRegistry registry) {
        this.registry = registry;
        registry.onMutation(m -> {
            pages.remove(m.did());
            gzippedCars.remove(m.did());
        });
    }

    /** A listRecords page, rendered once per repo version. */
    byte[] page(SimRepo r, String collection, int limit, String cursor, boolean reverse) {
        return pages.computeIfAbsent(r.did, d -> new ConcurrentHashMap<>())
                .computeIfAbsent(key(collection, limit, cursor, reverse), k -> render(r, r.page(collection, limit, cursor, reverse)));
    }

    /** A listRecords page rendered for this request only (a faulty answer is not kept). */
    byte[] renderPage(SimRepo r, String collection, int limit, String cursor, boolean reverse) {
        return render(r, r.page(collection, limit, cursor, reverse));
    }

    /** The CAR compressed ahead of time, if it is still the repo's current CAR; else null. */
    byte[] gzipped(SimRepo r, SimRepo.Car car) {
        GzippedCar ready = gzippedCars.get(r.did);
        return ready != null && ready.car() == car ? ready.gzipped() : null;
    }

    /**
     * Renders every healthy repo's CAR (and its gzip) and every listRecords page a client paging with {@code limit}
     * (newest first, like a PDS) will ask for.
     */
    void prerender(int limit) {
        for (SimRepo r : registry.all()) {
            if (r.fault != null) continue;
            SimRepo.Car car = r.car();
            gzippedCars.put(r.did, new GzippedCar(car, gzip(car.bytes())));
            for (String collection : r.collectionCounts().keySet()) {
                // Every non-empty page carries a cursor, so a client following cursors asks until an empty page.
                String cursor = null;
                List<SimRepo.Entry> page;
                do {
                    page = r.page(collection, limit, cursor, false);
                    pages.computeIfAbsent(r.did, d -> new ConcurrentHashMap<>())
                            .put(key(collection, limit, cursor, false), render(r, page));
                    cursor = page.isEmpty() ? null : page.getLast().rkey();
                } while (cursor != null);
            }
        }
    }

    private static String key(String collection, int limit, String cursor, boolean reverse) {
        return collection + "|" + limit + "|" + cursor + "|" + reverse;
    }

    /** Like the reference PDS: the cursor is the last record's rkey on every non-empty page. */
    private static byte[] render(SimRepo r, List<SimRepo.Entry> page) {
        ObjectNode out = Replies.JSON.createObjectNode();
        ArrayNode arr = out.putArray("records");
        for (SimRepo.Entry e : page) {
            ObjectNode o = arr.addObject().put("uri", "at://" + r.did + "/" + e.key()).put("cid", r.cid(e).toString());
            o.set("value", r.value(e));
        }
        if (!page.isEmpty()) {
            out.put("cursor", page.getLast().rkey());
        }
        return Replies.bytes(out);
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 3 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 65536)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
