package dev.happyview.simnet;

import static dev.happyview.simnet.SimHttp.get;
import static dev.happyview.simnet.SimHttp.q;
import static dev.happyview.simnet.SimHttp.xrpc;
import static dev.happyview.simnet.SimNetworkTest.didDoc;
import static dev.happyview.simnet.SimNetworkTest.keyOf;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.repo.RepoVerifier;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SimMutationTest {
    static final String POST = "app.bsky.feed.post";

    static Map<String, String> carRecords(SimNetwork n, String did) throws Exception {
        JsonNode doc = didDoc(n, did);
        byte[] car = get(n.homePdsUrl(did) + "/xrpc/com.atproto.sync.getRepo?did=" + q(did)).body();
        Map<String, String> out = new TreeMap<>();
        new RepoVerifier().verify(new ByteArrayInputStream(car), did, keyOf(doc), c -> true,
                r -> out.put("at://" + did + "/" + r.collection() + "/" + r.rkey(), r.cid().toString()));
        return out;
    }

    @Test
    void mutationsFlowToEveryView() throws Exception {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(11).repos(4).pdsHosts(1).collections(POST).build())) {
            List<Mutation> events = new CopyOnWriteArrayList<>();
            n.onMutation(events::add);
            String did = n.dids().getFirst();
            String rev0 = xrpc(n.relayUrl(), "com.atproto.sync.getRepoStatus", "did=" + q(did)).json().get("rev").asText();
            ObjectNode value = SimHttp.JSON.createObjectNode().put("$type", POST).put("text", "new!").put("createdAt", "2026-01-01T00:00:00.000Z");
            String uri = n.createRecord(did, POST, value);
            JsonNode newest = xrpc(n.homePdsUrl(did), "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + POST + "&limit=1").json();
            assertThat(newest.get("records").get(0).get("uri").asText()).isEqualTo(uri);
            assertThat(newest.get("records").get(0).get("value")).isEqualTo(value);
            assertThat(n.groundTruth(Set.of(POST), did).records()).containsKey(uri);
            Map<String, String> car = carRecords(n, did);
            assertThat(car).isEqualTo(n.groundTruth(Set.of(POST), did).records());
            String rev1 = xrpc(n.relayUrl(), "com.atproto.sync.getRepoStatus", "did=" + q(did)).json().get("rev").asText();
            assertThat(rev1).isGreaterThan(rev0);

            String oldCid = n.groundTruth(Set.of(POST), did).records().get(uri);
            String newCid = n.updateRecord(uri, value.deepCopy().put("text", "edited"));
            assertThat(newCid).isNotEqualTo(oldCid);
            assertThat(n.groundTruth(Set.of(POST), did).records()).containsEntry(uri, newCid);
            assertThat(carRecords(n, did)).containsEntry(uri, newCid);

            assertThat(n.deleteRecord(uri)).isTrue();
            assertThat(n.deleteRecord(uri)).isFalse();
            assertThat(n.groundTruth(Set.of(POST), did).records()).doesNotContainKey(uri);
            assertThat(carRecords(n, did)).doesNotContainKey(uri);

            // a new collection makes the relay list the repo for it
            String other = "com.example.simnet.thing";
            assertThat(xrpc(n.relayUrl(), "com.atproto.sync.listReposByCollection", "collection=" + other).json().get("repos")).isEmpty();
            n.createRecord(did, other, SimHttp.JSON.createObjectNode().put("$type", other).put("n", 1));
            assertThat(SimNetworkTest.relayDids(n, other, 10)).containsExactly(did);

            String added = n.addRepo(12);
            assertThat(n.dids()).contains(added);
            assertThat(get(n.plcUrl() + "/" + added).status()).isEqualTo(200);
            assertThat(n.groundTruth(Set.of(POST), added).records()).hasSize(12);
            assertThat(carRecords(n, added)).hasSize(12);
            assertThat(SimNetworkTest.relayDids(n, POST, 2000)).endsWith(added);

            assertThat(events).extracting(Mutation::type).containsExactly(Mutation.Type.CREATE, Mutation.Type.UPDATE,
                    Mutation.Type.DELETE, Mutation.Type.CREATE, Mutation.Type.REPO_CREATED);
            assertThat(events.get(0).uri()).isEqualTo(uri);
            assertThat(events.get(1).cid()).isEqualTo(newCid);
            assertThat(events.get(2).cid()).isNull();
        }
    }

    /** Pre-rendered pages are what a fresh render gives, and a change to the repo replaces them. */
    @Test
    void prerenderedPagesMatchAndFollowMutations() throws Exception {
        var scenario = Scenario.builder().seed(12).repos(3).pdsHosts(1).collections(POST).smallMax(250).largeShare(0).build();
        String did;
        List<JsonNode> fresh = new ArrayList<>();
        try (SimNetwork n = SimNetwork.start(scenario)) {
            did = n.dids().getFirst();
            fresh.addAll(allPages(n, did));
        }
        try (SimNetwork n = SimNetwork.start(scenario)) {
            n.prerender(100);
            assertThat(allPages(n, did)).isEqualTo(fresh);
            String uri = n.createRecord(did, POST, SimHttp.JSON.createObjectNode().put("$type", POST).put("text", "later"));
            assertThat(allPages(n, did).getFirst().get("records").get(0).get("uri").asText()).isEqualTo(uri);
        }
    }

    private static List<JsonNode> allPages(SimNetwork n, String did) throws Exception {
        var pages = new ArrayList<JsonNode>();
        String cursor = null;
        do {
            JsonNode page = xrpc(n.homePdsUrl(did), "com.atproto.repo.listRecords", "repo=" + q(did) + "&collection=" + POST
                    + "&limit=100" + (cursor == null ? "" : "&cursor=" + q(cursor))).json();
            pages.add(page);
            cursor = page.get("records").isEmpty() ? null : page.path("cursor").asText(null);
        } while (cursor != null);
        return pages;
    }
}
