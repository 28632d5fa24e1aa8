package dev.happyview.simnet;

import static dev.happyview.simnet.SimHttp.q;
import static dev.happyview.simnet.SimHttp.xrpc;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimRateLimitTest {
    static SimHttp.Resp status(SimNetwork n, int i) {
        String did = n.dids().get(i % n.dids().size());
        return xrpc(n.pdsUrls().getFirst(), "com.atproto.sync.getRepoStatus", "did=" + q(did));
    }

    @Test
    void headersOnEveryResponseThen429UntilReset() throws Exception {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(1).repos(3).pdsHosts(1).rateLimit(5, 2).build())) {
            long before = System.currentTimeMillis() / 1000;
            for (int i = 0; i < 5; i++) {
                SimHttp.Resp r = status(n, i);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.header("RateLimit-Limit")).isEqualTo("5");
                assertThat(r.header("RateLimit-Remaining")).isEqualTo(String.valueOf(4 - i));
                assertThat(r.header("RateLimit-Policy")).isEqualTo("5;w=2");
                assertThat(Long.parseLong(r.header("RateLimit-Reset"))).isBetween(before + 1, before + 4);
            }
            SimHttp.Resp limited = status(n, 0);
            assertThat(limited.status()).isEqualTo(429);
            assertThat(limited.json().get("error").asText()).isEqualTo("RateLimitExceeded");
            assertThat(limited.json().get("message").asText()).isEqualTo("Rate Limit Exceeded");
            assertThat(limited.header("RateLimit-Remaining")).isEqualTo("0");
            long reset = Long.parseLong(limited.header("RateLimit-Reset"));
            // errors carry the headers too
            SimHttp.Resp err = xrpc(n.pdsUrls().getFirst(), "com.atproto.repo.listRecords", "collection=x");
            assertThat(err.header("RateLimit-Limit")).isEqualTo("5");
            Thread.sleep(Math.max(0, reset * 1000 - System.currentTimeMillis()) + 20);
            SimHttp.Resp after = status(n, 1);
            assertThat(after.status()).isEqualTo(200);
            assertThat(after.header("RateLimit-Remaining")).isEqualTo("4");
            List<SimStats.Throttle> th = n.stats().throttles();
            assertThat(th).hasSize(2);
            assertThat(th.getFirst().resetEpochSeconds()).isEqualTo(reset);
            assertThat(th.getFirst().withHeaders()).isTrue();
            assertThat(th.getLast().nextRequestAtMillis()).isGreaterThanOrEqualTo(reset * 1000);
            assertThat(n.stats().count("pds0", "com.atproto.sync.getRepoStatus")).isEqualTo(7);
            assertThat(n.stats().total("pds0")).isEqualTo(8);
        }
    }

    @Test
    void aSeparateGetRepoBudgetIsChargedOnlyByGetRepo() throws Exception {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(1).repos(3).pdsHosts(1).rateLimit(2, 30)
                .getRepoRateLimit(4, 30).build())) {
            String did = n.dids().getFirst();
            for (int i = 0; i < 4; i++) {
                SimHttp.Resp car = xrpc(n.pdsUrls().getFirst(), "com.atproto.sync.getRepo", "did=" + q(did));
                assertThat(car.status()).isEqualTo(200);
                assertThat(car.header("RateLimit-Policy")).isEqualTo("4;w=30");
                assertThat(car.header("RateLimit-Remaining")).isEqualTo(String.valueOf(3 - i));
            }
            assertThat(xrpc(n.pdsUrls().getFirst(), "com.atproto.sync.getRepo", "did=" + q(did)).status()).isEqualTo(429);
            // the host's own budget is untouched by those five
            SimHttp.Resp st = status(n, 0);
            assertThat(st.status()).isEqualTo(200);
            assertThat(st.header("RateLimit-Policy")).isEqualTo("2;w=30");
            assertThat(st.header("RateLimit-Remaining")).isEqualTo("1");
            assertThat(status(n, 1).status()).isEqualTo(200);
            assertThat(status(n, 2).status()).isEqualTo(429);
        }
    }

    @Test
    void stormAndHtml429AndRelayFault() throws Exception {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(1).repos(3).pdsHosts(2).rateLimit(3000, 300)
                .faults("429-storm:0:1,html-429:pds1:1,5xx:relay:100").build())) {
            SimHttp.Resp storm = xrpc(n.pdsUrls().get(0), "com.atproto.sync.listRepos", "");
            assertThat(storm.status()).isEqualTo(429);
            assertThat(storm.header("RateLimit-Remaining")).isEqualTo("0");
            assertThat(storm.header("RateLimit-Policy")).isEqualTo("3000;w=300");
            long reset = Long.parseLong(storm.header("RateLimit-Reset"));
            SimHttp.Resp html = xrpc(n.pdsUrls().get(1), "com.atproto.sync.listRepos", "");
            assertThat(html.status()).isEqualTo(429);
            assertThat(html.header("Content-Type")).startsWith("text/html");
            assertThat(html.header("RateLimit-Limit")).isNull();
            assertThat(html.text()).contains("<html>");
            assertThat(xrpc(n.relayUrl(), "com.atproto.sync.listRepos", "").status()).isEqualTo(500);
            Thread.sleep(Math.max(0, reset * 1000 - System.currentTimeMillis()) + 50);
            assertThat(xrpc(n.pdsUrls().get(0), "com.atproto.sync.listRepos", "").status()).isEqualTo(200);
            Thread.sleep(200);
            assertThat(xrpc(n.pdsUrls().get(1), "com.atproto.sync.listRepos", "").status()).isEqualTo(200);
            assertThat(n.stats().throttles()).extracting(SimStats.Throttle::withHeaders).containsExactly(true, false);
        }
    }

    @Test
    void http500IsDeterministicPercentage() throws IOException {
        Scenario s = Scenario.builder().seed(5).repos(3).pdsHosts(1).faults("5xx:0:30").build();
        List<Integer> first = new ArrayList<>();
        List<Integer> second = new ArrayList<>();
        try (SimNetwork n = SimNetwork.start(s)) {
            for (int i = 0; i < 60; i++) {
                first.add(status(n, i).status());
            }
        }
        try (SimNetwork n = SimNetwork.start(s)) {
            for (int i = 0; i < 60; i++) {
                second.add(status(n, i).status());
            }
        }
        assertThat(first).isEqualTo(second).containsOnly(200, 500);
        assertThat(first.stream().filter(x -> x == 500).count()).isBetween(8L, 30L);
    }

    @Test
    void latencyIsAddedToEveryRequest() throws IOException {
        try (SimNetwork n = SimNetwork.start(Scenario.builder().seed(1).repos(2).pdsHosts(1).latencyMs(120).build())) {
            long t0 = System.nanoTime();
            SimHttp.get(n.plcUrl() + "/" + n.dids().getFirst());
            status(n, 0);
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(240);
            assertThat(n.stats().count("plc", "plc.resolve")).isEqualTo(1);
        }
    }
}
