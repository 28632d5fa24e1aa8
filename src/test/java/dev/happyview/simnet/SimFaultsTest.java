package dev.happyview.simnet;

import static dev.happyview.simnet.SimHttp.get;
import static dev.happyview.simnet.SimHttp.q;
import static dev.happyview.simnet.SimHttp.xrpc;
import static dev.happyview.simnet.SimNetworkTest.didDoc;
import static dev.happyview.simnet.SimNetworkTest.keyOf;
import static dev.happyview.simnet.SimNetworkTest.pdsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.repo.RepoVerificationException;
import dev.happyview.protocol.repo.RepoVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SimFaultsTest {
    static SimNetwork net;

    @BeforeAll
    static void start() throws IOException {
        net = SimNetwork.start(Scenario.builder().seed(7).repos(40).pdsHosts(2).smallMax(30)
                .faults("not-found:1, takendown:1, deactivated:1, did-404:1, did-410:1, wrong-pds:1, hang:1, "
                        + "slow-body:1:500, truncated:1, invalid-json:1, bad-sig:1, wrong-did:1, missing-block:1, "
                        + "hash-mismatch:1, truncated-car:1, cbor-bomb:2")
                .build());
    }

    @AfterAll
    static void stop() {
        net.close();
    }

    static String one(Faults.Kind k) {
        List<String> dids = net.didsWithFault(k);
        assertThat(dids).isNotEmpty();
        return dids.getFirst();
    }

    static String coll(String did) {
        return net.collectionsOf(did).keySet().iterator().next();
    }

    static SimHttp.Resp list(String did) {
        return xrpc(net.homePdsUrl(did), "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + coll(did));
    }

    static SimHttp.Resp repo(String did) {
        return xrpc(net.homePdsUrl(did), "com.atproto.sync.getRepo", "did=" + q(did));
    }

    @Test
    void accountFaults() {
        for (Faults.Kind k : List.of(Faults.Kind.NOT_FOUND, Faults.Kind.TAKENDOWN, Faults.Kind.DEACTIVATED)) {
            String did = one(k);
            SimHttp.Resp l = list(did);
            assertThat(l.status()).isEqualTo(400);
            assertThat(l.json().get("error").asText()).isEqualTo("InvalidRequest");
            assertThat(l.json().get("message").asText()).startsWith("Could not find repo");
            SimHttp.Resp g = repo(did);
            assertThat(g.status()).isEqualTo(400);
            assertThat(g.json().get("error").asText()).isEqualTo(switch (k) {
                case NOT_FOUND -> "RepoNotFound";
                case TAKENDOWN -> "RepoTakendown";
                default -> "RepoDeactivated";
            });
            // the relay still lists it
            assertThat(SimNetworkTest.relayDids(net, coll(did), 2000)).contains(did);
        }
        JsonNode st = xrpc(net.homePdsUrl(one(Faults.Kind.TAKENDOWN)), "com.atproto.sync.getRepoStatus",
                "did=" + q(one(Faults.Kind.TAKENDOWN))).json();
        assertThat(st.get("active").asBoolean()).isFalse();
        assertThat(st.get("status").asText()).isEqualTo("takendown");
        assertThat(st.has("rev")).isFalse();
        JsonNode relay = xrpc(net.relayUrl(), "com.atproto.sync.getRepoStatus", "did=" + q(one(Faults.Kind.DEACTIVATED))).json();
        assertThat(relay.get("status").asText()).isEqualTo("deactivated");
    }

    @Test
    void identityFaults() {
        SimHttp.Resp r404 = get(net.plcUrl() + "/" + one(Faults.Kind.DID_404));
        assertThat(r404.status()).isEqualTo(404);
        assertThat(r404.json().get("message").asText()).startsWith("DID not registered");
        SimHttp.Resp r410 = get(net.plcUrl() + "/" + one(Faults.Kind.DID_410));
        assertThat(r410.status()).isEqualTo(410);
        String wrong = one(Faults.Kind.WRONG_PDS);
        String pds = pdsOf(didDoc(net, wrong));
        assertThat(net.pdsUrls()).doesNotContain(pds);
        SimHttp.Resp l = xrpc(pds, "com.atproto.repo.listRecords", "repo=" + q(wrong) + "&collection=" + coll(wrong));
        assertThat(l.status()).isEqualTo(400);
        assertThat(l.json().get("message").asText()).startsWith("Could not find repo");
        assertThat(xrpc(pds, "com.atproto.sync.getRepo", "did=" + q(wrong)).json().get("error").asText()).isEqualTo("RepoNotFound");
        assertThat(list(wrong).status()).isEqualTo(200); // the real home still has it
    }

    @Test
    void transportFaults() {
        String hang = one(Faults.Kind.HANG);
        String url = net.homePdsUrl(hang) + "/xrpc/com.atproto.repo.listRecords?repo=" + q(hang) + "&collection=" + coll(hang);
        assertThatThrownBy(() -> get(url, Duration.ofMillis(700), null)).hasCauseInstanceOf(HttpTimeoutException.class);
        assertThatThrownBy(() -> get(net.homePdsUrl(hang) + "/xrpc/com.atproto.sync.getRepo?did=" + q(hang), Duration.ofMillis(700), null))
                .hasCauseInstanceOf(HttpTimeoutException.class);

        String slow = one(Faults.Kind.SLOW_BODY);
        long t0 = System.nanoTime();
        assertThat(list(slow).json().get("records")).isNotEmpty();
        assertThat(repo(slow).status()).isEqualTo(200);
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(900);

        String truncated = one(Faults.Kind.TRUNCATED);
        assertThatThrownBy(() -> list(truncated)).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> repo(truncated)).isInstanceOf(UncheckedIOException.class);

        String invalid = one(Faults.Kind.INVALID_JSON);
        SimHttp.Resp r = list(invalid);
        assertThat(r.status()).isEqualTo(200);
        assertThatThrownBy(r::json).isInstanceOf(UncheckedIOException.class);
        assertThat(repo(invalid).status()).isEqualTo(200); // getRepo is fine
    }

    @Test
    void carFaultsMakeTheVerifierThrowTheMatchingKind() {
        Map<Faults.Kind, RepoVerificationException.Kind> expected = Map.of(
                Faults.Kind.BAD_SIG, RepoVerificationException.Kind.BAD_SIGNATURE,
                Faults.Kind.WRONG_DID, RepoVerificationException.Kind.WRONG_DID,
                Faults.Kind.MISSING_BLOCK, RepoVerificationException.Kind.MISSING_BLOCK,
                Faults.Kind.HASH_MISMATCH, RepoVerificationException.Kind.HASH_MISMATCH,
                Faults.Kind.TRUNCATED_CAR, RepoVerificationException.Kind.TRUNCATED,
                Faults.Kind.CBOR_BOMB, RepoVerificationException.Kind.LIMIT_EXCEEDED);
        expected.forEach((fault, kind) -> {
            for (String did : net.didsWithFault(fault)) {
                JsonNode doc = didDoc(net, did);
                SimHttp.Resp car = repo(did);
                assertThat(car.status()).isEqualTo(200);
                assertThatThrownBy(() -> new RepoVerifier().verify(new ByteArrayInputStream(car.body()), did, keyOf(doc),
                        c -> true, rec -> { }))
                        .as(fault + " " + did)
                        .isInstanceOfSatisfying(RepoVerificationException.class, e -> assertThat(e.kind()).isEqualTo(kind));
                // listRecords of CAR-fault repos is fine
                assertThat(list(did).status()).isEqualTo(200);
            }
        });
    }

    @Test
    void groundTruthExcludesPermanentFaults() {
        Set<Faults.Kind> always = Set.of(Faults.Kind.NOT_FOUND, Faults.Kind.TAKENDOWN, Faults.Kind.DEACTIVATED,
                Faults.Kind.DID_404, Faults.Kind.DID_410, Faults.Kind.WRONG_PDS, Faults.Kind.HANG, Faults.Kind.TRUNCATED);
        GroundTruth getRepo = net.groundTruth(null, null);
        GroundTruth listRecords = net.groundTruth(Strategy.LIST_RECORDS, null, null);
        Set<Faults.Kind> getRepoKinds = new HashSet<>(getRepo.expectedFailures().values());
        Set<Faults.Kind> listKinds = new HashSet<>(listRecords.expectedFailures().values());
        assertThat(getRepoKinds).containsAll(always).contains(Faults.Kind.BAD_SIG, Faults.Kind.CBOR_BOMB)
                .doesNotContain(Faults.Kind.INVALID_JSON, Faults.Kind.SLOW_BODY);
        assertThat(listKinds).containsAll(always).contains(Faults.Kind.INVALID_JSON)
                .doesNotContain(Faults.Kind.BAD_SIG, Faults.Kind.SLOW_BODY);
        assertThat(getRepo.expectedFailures()).hasSize(17 - 1 - 1); // all but slow-body and invalid-json
        for (GroundTruth gt : List.of(getRepo, listRecords)) {
            for (String did : gt.expectedFailures().keySet()) {
                assertThat(gt.records().keySet()).noneMatch(u -> u.startsWith("at://" + did + "/"));
            }
        }
        String slow = one(Faults.Kind.SLOW_BODY);
        assertThat(getRepo.records().keySet()).anyMatch(u -> u.startsWith("at://" + slow + "/"));
        long ok = net.dids().stream().filter(d -> net.faultOf(d) == null).count();
        assertThat(getRepo.records().keySet().stream().map(u -> u.split("/")[2]).distinct().count()).isEqualTo(ok + 2);
        // over HTTP too
        String lines = get(net.groundTruthUrl() + "?strategy=list_records").text();
        assertThat(lines).contains("\"expected_failure\":\"invalid-json\"").doesNotContain("\"expected_failure\":\"bad-sig\"");
    }

    @Test
    void transientFaultsFireThenHeal() throws IOException {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(3).repos(5).pdsHosts(1)
                .faults("truncated:1:1,hang:1:1,invalid-json:1:2").build())) {
            String trunc = n.didsWithFault(Faults.Kind.TRUNCATED).getFirst();
            String hang = n.didsWithFault(Faults.Kind.HANG).getFirst();
            String bad = n.didsWithFault(Faults.Kind.INVALID_JSON).getFirst();
            String base = n.pdsUrls().getFirst() + "/xrpc/com.atproto.sync.getRepo?did=";
            assertThatThrownBy(() -> get(base + q(trunc))).isInstanceOf(UncheckedIOException.class);
            assertThat(get(base + q(trunc)).status()).isEqualTo(200);
            assertThatThrownBy(() -> get(base + q(hang), Duration.ofMillis(500), null)).hasCauseInstanceOf(HttpTimeoutException.class);
            assertThat(get(base + q(hang)).status()).isEqualTo(200);
            String lr = n.pdsUrls().getFirst() + "/xrpc/com.atproto.repo.listRecords?collection=app.bsky.feed.post&repo=" + q(bad);
            assertThatThrownBy(() -> get(lr).json()).isInstanceOf(UncheckedIOException.class);
            assertThatThrownBy(() -> get(lr).json()).isInstanceOf(UncheckedIOException.class);
            assertThat(get(lr).json().has("records")).isTrue();
            assertThat(n.groundTruth(Strategy.LIST_RECORDS, null, null).expectedFailures()).isEmpty();
            assertThat(n.groundTruth(null, null).expectedFailures()).isEmpty();
        }
    }

    @Test
    void didWebRepos() throws IOException {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(9).repos(12).pdsHosts(2).didWebShare(0.5).build())) {
            List<String> web = n.dids().stream().filter(d -> d.startsWith("did:web:")).toList();
            assertThat(web).isNotEmpty();
            for (String did : web) {
                assertThat(did).matches("did:web:127\\.0\\.0\\.1%3A\\d+");
                String host = did.substring("did:web:".length()).replace("%3A", ":");
                JsonNode doc = get("http://" + host + "/.well-known/did.json").json();
                assertThat(doc.get("id").asText()).isEqualTo(did);
                assertThat(pdsOf(doc)).isEqualTo(n.homePdsUrl(did));
                assertThat(get(n.plcUrl() + "/" + did).status()).isEqualTo(404);
            }
            assertThat(n.groundTruth(null, null).records().keySet()).anyMatch(u -> u.startsWith("at://did:web:"));
        }
    }
}
