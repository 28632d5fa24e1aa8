package dev.happyview.simnet;

import static dev.happyview.simnet.SimHttp.get;
import static dev.happyview.simnet.SimHttp.q;
import static dev.happyview.simnet.SimHttp.xrpc;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.PublicKeys;
import dev.happyview.protocol.repo.CarReader;
import dev.happyview.protocol.repo.Cid;
import dev.happyview.protocol.repo.DagCborEncoder;
import dev.happyview.protocol.repo.RepoVerifier;
import dev.happyview.protocol.repo.VerifiedRepo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimNetworkTest {
    static final String POST = "app.bsky.feed.post";
    static final String LIKE = "app.bsky.feed.like";
    static SimNetwork net;

    @BeforeAll
    static void start() throws IOException {
        net = SimNetwork.start(Scenario.builder().seed(42).repos(30).pdsHosts(2).collections(POST, LIKE)
                .giants(1, 260).build());
    }

    @AfterAll
    static void stop() {
        net.close();
    }

    static JsonNode didDoc(SimNetwork n, String did) {
        SimHttp.Resp r = get(n.plcUrl() + "/" + did);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    static String pdsOf(JsonNode doc) {
        return doc.get("service").get(0).get("serviceEndpoint").asText();
    }

    static AtprotoPublicKey keyOf(JsonNode doc) {
        JsonNode vm = doc.get("verificationMethod").get(0);
        return PublicKeys.fromVerificationMethod(vm.get("type").asText(), vm.get("publicKeyMultibase").asText());
    }

    /** All records of a collection by paging listRecords (limit 100) until an empty page. */
    static Map<String, JsonNode> listAll(String pds, String did, String coll, boolean reverse, List<Integer> pageSizes) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        String cursor = null;
        while (true) {
            SimHttp.Resp r = xrpc(pds, "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + coll + "&limit=100"
                    + (reverse ? "&reverse=true" : "") + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(r.status()).as(r.text()).isEqualTo(200);
            JsonNode page = r.json();
            if (pageSizes != null) {
                pageSizes.add(page.get("records").size());
            }
            if (page.get("records").isEmpty()) {
                assertThat(page.has("cursor")).isFalse();
                return out;
            }
            for (JsonNode rec : page.get("records")) {
                out.put(rec.get("uri").asText(), rec);
            }
            cursor = page.get("cursor").asText();
            assertThat(cursor).isEqualTo(lastRkey(page));
        }
    }

    static String lastRkey(JsonNode page) {
        String uri = page.get("records").get(page.get("records").size() - 1).get("uri").asText();
        return uri.substring(uri.lastIndexOf('/') + 1);
    }

    static List<String> relayDids(SimNetwork n, String coll, int limit) {
        List<String> dids = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = xrpc(n.relayUrl(), "com.atproto.sync.listReposByCollection",
                    "collection=" + coll + "&limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.get("repos").forEach(r -> dids.add(r.get("did").asText()));
            cursor = page.has("cursor") ? page.get("cursor").asText() : null;
        } while (cursor != null);
        return dids;
    }

    @Test
    void deterministicFromSeed() throws IOException {
        Scenario s = net.scenario();
        try (SimNetwork other = SimNetwork.start(s)) {
            assertThat(other.dids()).isEqualTo(net.dids());
            assertThat(other.groundTruth(null, null).records()).isEqualTo(net.groundTruth(null, null).records());
            String did = net.dids().get(3);
            byte[] a = get(net.homePdsUrl(did) + "/xrpc/com.atproto.sync.getRepo?did=" + q(did)).body();
            byte[] b = get(other.homePdsUrl(did) + "/xrpc/com.atproto.sync.getRepo?did=" + q(did)).body();
            assertThat(a).isEqualTo(b);
        }
        try (SimNetwork different = SimNetwork.start(s.toBuilder().seed(43).build())) {
            assertThat(different.dids()).doesNotContainAnyElementsOf(net.dids());
        }
        assertThat(net.dids()).allMatch(d -> d.matches("did:plc:[a-z2-7]{24}"));
    }

    @Test
    void relayPagesAndOmitsCursorOnLastPage() {
        List<String> all = relayDids(net, POST, 2000);
        List<String> paged = relayDids(net, POST, 7);
        assertThat(paged).isEqualTo(all).doesNotHaveDuplicates();
        Set<String> expected = new HashSet<>();
        for (String uri : net.groundTruth(Set.of(POST), null).records().keySet()) {
            expected.add(uri.substring(5, uri.indexOf('/', 5)));
        }
        assertThat(new HashSet<>(all)).isEqualTo(expected);
        JsonNode exact = xrpc(net.relayUrl(), "com.atproto.sync.listReposByCollection", "collection=" + POST + "&limit=" + all.size()).json();
        assertThat(exact.has("cursor")).isFalse();
        JsonNode clamped = xrpc(net.relayUrl(), "com.atproto.sync.listReposByCollection", "collection=" + POST + "&limit=0").json();
        assertThat(clamped.get("repos")).hasSize(1);
        JsonNode unknown = xrpc(net.relayUrl(), "com.atproto.sync.listReposByCollection", "collection=com.example.nothing").json();
        assertThat(unknown.get("repos")).isEmpty();
        assertThat(unknown.has("cursor")).isFalse();
        SimHttp.Resp bad = xrpc(net.relayUrl(), "com.atproto.sync.listReposByCollection", "collection=not-an-nsid");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("error").asText()).isEqualTo("BadRequest");
    }

    @Test
    void relayListReposAndStatus() {
        JsonNode page = xrpc(net.relayUrl(), "com.atproto.sync.listRepos", "limit=10").json();
        assertThat(page.get("repos")).hasSize(10);
        assertThat(page.get("repos").get(0).get("head").asText()).startsWith("bafyrei");
        assertThat(page.get("repos").get(0).get("active").asBoolean()).isTrue();
        JsonNode rest = xrpc(net.relayUrl(), "com.atproto.sync.listRepos", "limit=1000&cursor=" + page.get("cursor").asText()).json();
        assertThat(rest.get("repos")).hasSize(20);
        assertThat(rest.has("cursor")).isFalse();
        assertThat(xrpc(net.relayUrl(), "com.atproto.sync.listRepos", "limit=1001").status()).isEqualTo(400);
        assertThat(xrpc(net.relayUrl(), "com.atproto.sync.getRepoStatus", "did=did:plc:unknownunknownunknown1").status()).isEqualTo(404);
        String did = net.dids().getFirst();
        JsonNode st = xrpc(net.relayUrl(), "com.atproto.sync.getRepoStatus", "did=" + q(did)).json();
        assertThat(st.get("active").asBoolean()).isTrue();
        assertThat(st.get("rev").asText()).hasSize(13);
    }

    @Test
    void plcServesMultikeyDocument() {
        String did = net.dids().get(5);
        JsonNode doc = didDoc(net, did);
        assertThat(doc.get("id").asText()).isEqualTo(did);
        assertThat(doc.get("verificationMethod").get(0).get("id").asText()).isEqualTo(did + "#atproto");
        assertThat(doc.get("verificationMethod").get(0).get("type").asText()).isEqualTo("Multikey");
        assertThat(doc.get("service").get(0).get("id").asText()).isEqualTo("#atproto_pds");
        assertThat(pdsOf(doc)).isEqualTo(net.homePdsUrl(did));
        assertThat(doc.get("alsoKnownAs").get(0).asText()).startsWith("at://");
        SimHttp.Resp missing = get(net.plcUrl() + "/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("message").asText()).startsWith("DID not registered");
    }

    @Test
    void listRecordsPagingSemantics() {
        GroundTruth gt = net.groundTruth(Set.of(POST), null);
        // the giant has 260 records across two collections: pick the repo with the most posts
        Map<String, Integer> perRepo = new TreeMap<>();
        gt.records().keySet().forEach(u -> perRepo.merge(u.substring(5, u.indexOf('/', 5)), 1, Integer::sum));
        String did = perRepo.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        int n = perRepo.get(did);
        assertThat(n).isGreaterThan(100);
        String pds = pdsOf(didDoc(net, did));
        List<Integer> sizes = new ArrayList<>();
        Map<String, JsonNode> desc = listAll(pds, did, POST, false, sizes);
        assertThat(sizes).hasSize(n / 100 + 2).endsWith(0);
        List<String> keys = new ArrayList<>(desc.keySet());
        assertThat(keys).isSortedAccordingTo((a, b) -> b.compareTo(a));
        Map<String, JsonNode> asc = listAll(pds, did, POST, true, null);
        List<String> ascKeys = new ArrayList<>(asc.keySet());
        assertThat(ascKeys).isSorted();
        assertThat(new HashSet<>(ascKeys)).isEqualTo(new HashSet<>(keys));
        assertThat(desc).hasSize(n);
        // default limit 50, limit > 100 is an error, unknown repo is InvalidRequest
        JsonNode first = xrpc(pds, "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + POST).json();
        assertThat(first.get("records")).hasSize(50);
        SimHttp.Resp tooMany = xrpc(pds, "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + POST + "&limit=101");
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.json().get("error").asText()).isEqualTo("InvalidRequest");
        SimHttp.Resp unknown = xrpc(pds, "com.atproto.repo.listRecords", "repo=did:plc:nobodynobodynobodynobody&collection=" + POST);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().get("message").asText()).isEqualTo("Could not find repo: did:plc:nobodynobodynobodynobody");
        // a short last page still carries a cursor; the page after it is empty without one
        JsonNode small = xrpc(pds, "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + POST + "&limit=100&reverse=true&cursor="
                + ascKeys.get(ascKeys.size() - 3).substring(ascKeys.get(0).lastIndexOf('/') + 1)).json();
        assertThat(small.get("records")).hasSize(2);
        assertThat(small.get("cursor").asText()).isEqualTo(lastRkey(small));
    }

    @Test
    void listRecordsCidsAreDagCborCidsAndMatchGroundTruth() {
        GroundTruth gt = net.groundTruth(Set.of(POST, LIKE), null);
        int checked = 0;
        for (String did : net.dids().subList(0, 10)) {
            String pds = pdsOf(didDoc(net, did));
            for (String coll : List.of(POST, LIKE)) {
                for (JsonNode rec : listAll(pds, did, coll, false, null).values()) {
                    String cid = Cid.ofDagCbor(DagCborEncoder.encodeRecord(rec.get("value"))).toString();
                    assertThat(rec.get("cid").asText()).isEqualTo(cid).isEqualTo(gt.records().get(rec.get("uri").asText()));
                    assertThat(rec.get("value")).isEqualTo(gt.value(rec.get("uri").asText()));
                    assertThat(rec.get("value").get("$type").asText()).isEqualTo(coll);
                    checked++;
                }
            }
        }
        assertThat(checked).isPositive();
        // the generator sometimes emits links and bytes
        assertThat(gt.records().keySet().stream().map(gt::value).filter(v -> v.has("ref") && v.get("ref").has("$link"))).isNotEmpty();
        assertThat(gt.records().keySet().stream().map(gt::value).filter(v -> v.has("data") && v.get("data").has("$bytes"))).isNotEmpty();
    }

    @Test
    void getRepoVerifiesAndMatchesListRecords() throws IOException {
        for (String did : net.dids().subList(0, 6)) {
            JsonNode doc = didDoc(net, did);
            String pds = pdsOf(doc);
            SimHttp.Resp car = get(pds + "/xrpc/com.atproto.sync.getRepo?did=" + q(did), Duration.ofSeconds(20), "gzip");
            assertThat(car.status()).isEqualTo(200);
            assertThat(car.header("Content-Type")).isEqualTo("application/vnd.ipld.car");
            assertThat(car.header("Content-Encoding")).isEqualTo("gzip");
            Map<String, String> fromCar = new TreeMap<>();
            Map<String, JsonNode> values = new TreeMap<>();
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(car.body()))) {
                VerifiedRepo v = new RepoVerifier().verify(in, did, keyOf(doc), c -> true, rec -> {
                    String uri = "at://" + did + "/" + rec.collection() + "/" + rec.rkey();
                    fromCar.put(uri, rec.cid().toString());
                    values.put(uri, rec.value());
                });
                assertThat(v.commit().rev()).isEqualTo(xrpc(pds, "com.atproto.sync.getRepoStatus", "did=" + q(did)).json().get("rev").asText());
            }
            Map<String, String> fromList = new TreeMap<>();
            for (String coll : List.of(POST, LIKE)) {
                listAll(pds, did, coll, false, null).forEach((uri, rec) -> {
                    fromList.put(uri, rec.get("cid").asText());
                    assertThat(values.get(uri)).isEqualTo(rec.get("value"));
                });
            }
            assertThat(fromCar).isEqualTo(fromList).isNotEmpty();
        }
    }

    @Test
    void carBlocksAreShuffled() throws IOException {
        String did = net.dids().get(1);
        byte[] car = get(net.homePdsUrl(did) + "/xrpc/com.atproto.sync.getRepo?did=" + q(did)).body();
        // the commit (the root) is not necessarily the first block: check that some repos put it elsewhere
        int notFirst = 0;
        for (String d : net.dids().subList(0, 10)) {
            byte[] c = get(net.homePdsUrl(d) + "/xrpc/com.atproto.sync.getRepo?did=" + q(d)).body();
            var reader = new CarReader(new ByteArrayInputStream(c));
            Cid root = reader.roots().getFirst();
            var first = reader.next();
            if (!first.cid().equals(root)) {
                notFirst++;
            }
        }
        assertThat(car.length).isPositive();
        assertThat(notFirst).isPositive();
    }

    @Test
    void describeRepoAndStatusOnPds() {
        String did = net.dids().get(2);
        String pds = net.homePdsUrl(did);
        JsonNode d = xrpc(pds, "com.atproto.repo.describeRepo", "repo=" + q(did)).json();
        assertThat(d.get("did").asText()).isEqualTo(did);
        assertThat(d.get("didDoc").get("id").asText()).isEqualTo(did);
        assertThat(d.get("collections")).isNotEmpty();
        assertThat(d.get("handleIsCorrect").asBoolean()).isTrue();
        String other = net.pdsUrls().stream().filter(u -> !u.equals(pds)).findFirst().orElseThrow();
        SimHttp.Resp nf = xrpc(other, "com.atproto.sync.getRepo", "did=" + q(did));
        assertThat(nf.status()).isEqualTo(400);
        assertThat(nf.json().get("error").asText()).isEqualTo("RepoNotFound");
        JsonNode list = xrpc(pds, "com.atproto.sync.listRepos", "").json();
        assertThat(list.get("repos").findValuesAsText("did")).contains(did);
        SimHttp.Resp redirect = xrpc(net.relayUrl(), "com.atproto.sync.getRepo", "did=" + q(did));
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("Location")).startsWith(pds);
    }

    @Test
    void groundTruthEndpointServesJsonLines() {
        SimHttp.Resp r = get(net.groundTruthUrl() + "?collections=" + POST);
        assertThat(r.status()).isEqualTo(200);
        String[] lines = r.text().split("\n");
        GroundTruth gt = net.groundTruth(Set.of(POST), null);
        assertThat(lines).hasSize(gt.size());
        JsonNode first = SimHttp.JSON.valueToTree(lines[0].isEmpty() ? null : parse(lines[0]));
        assertThat(gt.records().get(first.get("uri").asText())).isEqualTo(first.get("cid").asText());
        assertThat(first.get("value")).isEqualTo(gt.value(first.get("uri").asText()));
    }

    private static JsonNode parse(String s) {
        try {
            return SimHttp.JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
