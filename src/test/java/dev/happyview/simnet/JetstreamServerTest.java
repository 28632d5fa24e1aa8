package dev.happyview.simnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JetstreamServerTest {
    @Test
    void replaysFromACursorAndFiltersByCollection() throws Exception {
        try (var net = SimNetwork.start(Scenario.builder().seed(3).repos(5).collections("com.example.a", "com.example.b").build());
                var js = JetstreamServer.start(net, Duration.ofMinutes(1), 1000);
                var http = HttpClient.newHttpClient()) {
            String did = net.dids().getFirst();
            net.createRecord(did, "com.example.a", JsonNodeFactory.instance.objectNode().put("t", 1));
            long first = js.lastTimeUs();
            net.createRecord(did, "com.example.b", JsonNodeFactory.instance.objectNode().put("t", 2));
            net.createRecord(did, "com.example.a", JsonNodeFactory.instance.objectNode().put("t", 3));
            var got = new CopyOnWriteArrayList<String>();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(js.url() + "/subscribe?wantedCollections=com.example.a&cursor=" + first),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            got.add(data.toString());
                            w.request(1);
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (got.size() < 2 && System.nanoTime() < deadline) Thread.sleep(20);
                assertThat(got).hasSize(2);
                assertThat(got.get(0)).contains("\"t\":1");
                assertThat(got.get(1)).contains("\"t\":3");
            } finally {
                ws.abort();
            }
        }
    }

    @Test
    void aDroppedConnectionIsNoticedByTheClient() throws Exception {
        try (var net = SimNetwork.start(Scenario.builder().seed(3).repos(5).collections("com.example.a").build());
                var js = JetstreamServer.start(net, Duration.ofMinutes(1), 1000);
                var http = HttpClient.newHttpClient()) {
            js.faults(new JetstreamServer.Faults(0, 2, 0));
            String did = net.dids().getFirst();
            var closed = new CompletableFuture<String>();
            var got = new CopyOnWriteArrayList<String>();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(js.url() + "/subscribe?wantedCollections=com.example.a&cursor=1"),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            got.add(data.toString());
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
                            closed.complete("close " + code);
                            return null;
                        }

                        @Override
                        public void onError(WebSocket w, Throwable error) {
                            closed.complete("error " + error);
                        }
                    }).get(5, TimeUnit.SECONDS);
            try {
                for (int i = 0; i < 3; i++) net.createRecord(did, "com.example.a", JsonNodeFactory.instance.objectNode().put("t", i));
                long t0 = System.nanoTime();
                String how = closed.get(10, TimeUnit.SECONDS);
                System.out.println("noticed after " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + how + " got " + got.size());
                assertThat(got).hasSize(2);
            } finally {
                ws.abort(); // the client's close() waits for every WebSocket it opened to be closed
            }
        }
    }

    @Test
    void optionsUpdateChangesTheFilterOnTheOpenConnection() throws Exception {
        try (var net = SimNetwork.start(Scenario.builder().seed(3).repos(5).collections("com.example.a", "com.example.b").build());
                var js = JetstreamServer.start(net, Duration.ofMinutes(1), 1000);
                var http = HttpClient.newHttpClient()) {
            String did = net.dids().getFirst();
            var got = new CopyOnWriteArrayList<String>();
            var ws = http.newWebSocketBuilder().buildAsync(URI.create(js.url() + "/subscribe?wantedCollections=com.example.a&cursor=1"),
                    new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            got.add(data.toString());
                            w.request(1);
                            return null;
                        }
                    }).get(5, TimeUnit.SECONDS);
            try {
                ws.sendText("{\"type\":\"options_update\",\"payload\":{\"wantedCollections\":[\"com.example.b\"]}}", true).get();
                Thread.sleep(300);
                net.createRecord(did, "com.example.a", JsonNodeFactory.instance.objectNode().put("t", 1));
                net.createRecord(did, "com.example.b", JsonNodeFactory.instance.objectNode().put("t", 2));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (got.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
                Thread.sleep(200);
                assertThat(got).hasSize(1);
                assertThat(got.getFirst()).contains("com.example.b");
            } finally {
                ws.abort(); // the client's close() waits for every WebSocket it opened to be closed
            }
        }
    }
}
