package dev.happyview.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.javalin.Javalin;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The connection a live source keeps open, against real WebSocket peers on loopback. */
class StreamConnectionTest {
    private static final StreamConnection.Settings QUICK = new StreamConnection.Settings(Duration.ofMillis(200), Duration.ofMillis(900));

    /** A stream that connects to {@code uri} and gives each text frame to {@code frames}. */
    private static StreamConnection.Stream stream(URI uri, Consumer<String> frames) {
        return new StreamConnection.Stream() {
            @Override
            public Optional<URI> target() {
                return Optional.of(uri);
            }

            @Override
            public StreamConnection.Reader reader() {
                return new StreamConnection.Reader() {
                    @Override
                    public void text(CharSequence data, boolean last) {
                        frames.accept(data.toString());
                    }
                };
            }
        };
    }

    /** A WebSocket peer (Jetty, which answers pings) that sends {@code frames} to each connection and then nothing. */
    private record QuietPeer(Javalin server, AtomicInteger connections, AtomicInteger open) implements AutoCloseable {
        static QuietPeer start(List<String> frames) {
            var connections = new AtomicInteger();
            var open = new AtomicInteger();
            Javalin server = Javalin.create(cfg -> {
                cfg.startup.showJavalinBanner = false;
                cfg.routes.ws("/s", ws -> {
                    ws.onConnect(ctx -> {
                        connections.incrementAndGet();
                        open.incrementAndGet();
                        frames.forEach(ctx::send);
                    });
                    ws.onClose(ctx -> open.decrementAndGet());
                });
            }).start("127.0.0.1", 0);
            return new QuietPeer(server, connections, open);
        }

        URI uri() {
            return URI.create("ws://127.0.0.1:" + server.port() + "/s");
        }

        @Override
        public void close() {
            server.stop();
        }
    }

    @Test
    void aPeerThatVanishedWithoutClosingIsLeftAndConnectedAgain() throws Exception {
        var accepted = new CopyOnWriteArrayList<Long>();
        var held = new CopyOnWriteArrayList<Socket>();
        try (var server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            // Completes the handshake, then neither sends nor reads: like a host gone without a FIN.
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        held.add(s);
                        handshake(s);
                        accepted.add(System.nanoTime());
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            try (var c = new StreamConnection("test", stream(URI.create("ws://127.0.0.1:" + server.getLocalPort() + "/s"), f -> {}), QUICK)) {
                c.start();
                await().atMost(Duration.ofSeconds(2)).until(() -> c.state() == LiveSource.State.CONNECTED);
                await().atMost(Duration.ofSeconds(10)).until(() -> accepted.size() >= 2);
                // Left for being quiet past the limit, not for an error at once.
                assertThat(Duration.ofNanos(accepted.get(1) - accepted.get(0))).isGreaterThanOrEqualTo(QUICK.idleLimit());
            }
        } finally {
            for (Socket s : held) s.close();
        }
    }

    @Test
    void aQuietPeerThatAnswersPingsKeepsItsConnection() throws Exception {
        try (var peer = QuietPeer.start(List.of()); var c = new StreamConnection("test", stream(peer.uri(), f -> {}), QUICK)) {
            c.start();
            await().atMost(Duration.ofSeconds(2)).until(() -> c.state() == LiveSource.State.CONNECTED);
            Thread.sleep(3 * QUICK.idleLimit().toMillis());
            assertThat(c.state()).isEqualTo(LiveSource.State.CONNECTED);
            assertThat(peer.connections().get()).isEqualTo(1);
            assertThat(c.reconnects()).isZero();
        }
    }

    @Test
    void aReaderHeldBackLongerThanTheIdleLimitKeepsItsConnection() throws Exception {
        var got = new ArrayList<String>();
        try (var peer = QuietPeer.start(List.of("one", "two")); var c = new StreamConnection("test", stream(peer.uri(), f -> {
            synchronized (got) {
                got.add(f);
            }
            try {
                if (f.equals("one")) Thread.sleep(3 * QUICK.idleLimit().toMillis()); // a full pipeline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), QUICK)) {
            c.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                synchronized (got) {
                    return got.equals(List.of("one", "two"));
                }
            });
            assertThat(peer.connections().get()).isEqualTo(1);
        }
    }

    @Test
    void aConnectionDroppedWhileBeingOpenedIsClosedAndOpenedAgain() throws Exception {
        var slow = new StreamConnection.Settings(Duration.ofMillis(200), Duration.ofSeconds(30));
        var opened = new AtomicInteger();
        try (var peer = QuietPeer.start(List.of()); var c = new StreamConnection("test", new StreamConnection.Stream() {
            @Override
            public Optional<URI> target() {
                opened.incrementAndGet();
                return Optional.of(peer.uri());
            }

            @Override
            public StreamConnection.Reader reader() {
                return new StreamConnection.Reader() {};
            }
        }, slow)) {
            c.start();
            while (opened.get() == 0) Thread.onSpinWait();
            c.reconnectNow(); // as an upload of a lexicon does, while the first connection is still being opened
            await().atMost(Duration.ofSeconds(5)).until(() -> opened.get() == 2 && c.state() == LiveSource.State.CONNECTED);
            await().atMost(Duration.ofSeconds(5)).until(() -> peer.connections().get() == 2);
            // Only one is still open at the peer: the first was closed, not left behind feeding the pipeline.
            await().atMost(Duration.ofSeconds(5)).until(() -> peer.open().get() == 1);
            Thread.sleep(300);
            assertThat(peer.open().get()).isEqualTo(1);
        }
    }

    private static void handshake(Socket s) throws Exception {
        var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        String key = null;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase().startsWith("sec-websocket-key:")) key = line.substring(line.indexOf(':') + 1).trim();
        }
        byte[] sha = MessageDigest.getInstance("SHA-1")
                .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + Base64.getEncoder().encodeToString(sha) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }
}
