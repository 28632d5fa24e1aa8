package dev.happyview.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on 127.0.0.1 whose answers a test scripts, and which logs every request it receives with the
 * time it arrived. For protocol tests that need one precise misbehaviour; larger scenarios use simnet.
 */
public final class ScriptedServer implements AutoCloseable {
    /** Answers one request. */
    @FunctionalInterface
    public interface Script {
        void answer(HttpExchange exchange, int requestNumber) throws Exception;
    }

    public record Logged(String path, long atMillis) {}

    private final HttpServer server;
    private final List<Logged> log = new CopyOnWriteArrayList<>();

    public ScriptedServer(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            int n;
            synchronized (log) {
                log.add(new Logged(exchange.getRequestURI().toString(), System.currentTimeMillis()));
                n = log.size();
            }
            try {
                script.answer(exchange, n);
            } catch (Exception e) {
                // a script that aborts simply drops the connection
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Logged> requests() {
        return List.copyOf(log);
    }

    public static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) ex.getResponseBody().write(bytes);
    }

    public static void json(HttpExchange ex, int status, String body) throws IOException {
        send(ex, status, "application/json", body);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
