package dev.happyview.simnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The simulated relay firehose over a real socket: what a client receives, faults included. */
class FirehoseServerTest {
    private static final String PATH = "/xrpc/com.atproto.sync.subscribeRepos";

    /** A client that keeps whole frames and says when the connection ended. */
    private static final class Client implements WebSocket.Listener {
        final List<Integer> sizes = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> ended = new CompletableFuture<>();
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            buf.write(b, 0, b.length);
            if (last) {
                sizes.add(buf.size());
                buf.reset();
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            ended.complete("close " + code);
            return null;
        }

        @Override
        public void onError(WebSocket w, Throwable error) {
            ended.complete("error " + error);
        }
    }

    private static SimNetwork network() throws Exception {
        return SimNetwork.start(Scenario.builder().seed(3).repos(5).pdsHosts(1).collections("com.example.feed.post").smallMax(10).build());
    }

    private static void change(SimNetwork net, int times) {
        String did = net.dids().getFirst();
        for (int i = 0; i < times; i++) {
            net.createRecord(did, "com.example.feed.post", JsonNodeFactory.instance.objectNode().put("text", "n" + i));
        }
    }

    @Test
    void oversizedFramesArriveWholeAndTheStreamGoesOnAfterThem() throws Exception {
        try (var net = network(); var fh = FirehoseServer.start(net, 1000); var http = HttpClient.newHttpClient()) {
            fh.faults(new FirehoseServer.Faults(0, 0, 0, 0, 0, 0, 1, 0, 0));
            change(net, 4);
            var client = new Client();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(fh.url() + PATH + "?cursor=0"), client).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (client.sizes.size() < 4 && System.nanoTime() < deadline) Thread.sleep(50);
            ws.abort();
            assertThat(client.sizes).as("frames received").hasSize(4);
            assertThat(client.sizes.get(0)).isGreaterThan(2_000_000);
            assertThat(client.sizes.get(1)).isGreaterThan(5_000_000);
            assertThat(fh.injected().get(FirehoseServer.Fault.OVERSIZED)).isEqualTo(4);
        }
    }

    @Test
    void aFrameCutInTheMiddleEndsTheConnectionAtOnce() throws Exception {
        try (var net = network(); var fh = FirehoseServer.start(net, 1000); var http = HttpClient.newHttpClient()) {
            fh.faults(new FirehoseServer.Faults(0, 0, 0, 0, 0, 0, 0, 0, 3));
            change(net, 4);
            var client = new Client();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(fh.url() + PATH + "?cursor=0"), client).get(10, TimeUnit.SECONDS);
            try {
                String how = client.ended.get(10, TimeUnit.SECONDS);
                assertThat(client.sizes).as("whole frames before the cut (%s)", how).hasSize(2);
                assertThat(fh.injected().get(FirehoseServer.Fault.MID_FRAME)).isEqualTo(1);
            } finally {
                ws.abort(); // the client's close() waits for every WebSocket it opened to be closed
            }
        }
    }

    @Test
    void anErrorFrameEndsTheConnection() throws Exception {
        try (var net = network(); var fh = FirehoseServer.start(net, 1000); var http = HttpClient.newHttpClient()) {
            fh.faults(new FirehoseServer.Faults(0, 0, 0, 0, 0, 0, 0, 3, 0));
            change(net, 4);
            var client = new Client();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(fh.url() + PATH + "?cursor=0"), client).get(10, TimeUnit.SECONDS);
            try {
                String how = client.ended.get(10, TimeUnit.SECONDS);
                assertThat(client.sizes).as("frames before the end (%s)", how).hasSize(3); // two events and the error frame
                assertThat(fh.injected().get(FirehoseServer.Fault.ERROR_FRAME)).isEqualTo(1);
            } finally {
                ws.abort(); // the client's close() waits for every WebSocket it opened to be closed
            }
        }
    }
}
