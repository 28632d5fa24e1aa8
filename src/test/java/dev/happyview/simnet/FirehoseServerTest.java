package dev.happyview.simnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.happyview.protocol.firehose.FirehoseEvent.CommitEvent;
import dev.happyview.protocol.firehose.FirehoseEvent.InvalidEvent;
import dev.happyview.protocol.firehose.FrameDecoder;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The simulated relay firehose over a real socket: what a client receives, faults included. */
class FirehoseServerTest {
    @Test
    void oversizedFramesArriveWholeAndTheStreamGoesOnAfterThem() throws Exception {
        var scenario = Scenario.builder().seed(3).repos(5).pdsHosts(1).collections("com.example.feed.post").smallMax(10).build();
        try (var net = SimNetwork.start(scenario); var fh = FirehoseServer.start(net, 1000);
                var http = HttpClient.newHttpClient()) {
            fh.faults(new FirehoseServer.Faults(0, 0, 0, 0, 0, 0, 1, 0, 0));
            String did = net.dids().getFirst();
            for (int i = 0; i < 4; i++) {
                net.createRecord(did, "com.example.feed.post", JsonNodeFactory.instance.objectNode().put("text", "n" + i));
            }
            List<Integer> sizes = new CopyOnWriteArrayList<>();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(fh.url() + "/xrpc/com.atproto.sync.subscribeRepos?cursor=0"),
                    new WebSocket.Listener() {
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
                    }).get(10, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (sizes.size() < 4 && System.nanoTime() < deadline) Thread.sleep(50);
            ws.abort();
            assertThat(sizes).as("frames received").hasSize(4);
            assertThat(sizes.get(0)).isGreaterThan(2_000_000);
            assertThat(sizes.get(1)).isGreaterThan(5_000_000);
            assertThat(fh.injected().get(FirehoseServer.Fault.OVERSIZED)).isEqualTo(4);
        }
    }
}
