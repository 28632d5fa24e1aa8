package dev.happyview.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The simulated network in a child process ({@code happyview simnet …}), so the benchmark's heap and the service's
 * heap are not mixed up. Its first output line is the JSON description (URLs, lower bounds).
 */
final class SimnetProcess implements AutoCloseable {
    private final Process process;
    private final JsonNode info;

    private SimnetProcess(Process process, JsonNode info) {
        this.process = process;
        this.info = info;
    }

    /**
     * A simulator that serves pre-rendered bytes: it lives for one scenario, and C1 alone compiles its (I/O-bound)
     * serving code at a fraction of C2's cost, which the measured run would otherwise pay on the shared cores.
     */
    static SimnetProcess start(List<String> args) throws Exception {
        return start(args, List.of("-XX:TieredStopAtLevel=1"));
    }

    /** A simulator that does real work per event during the measured run (the Tap simulator): fully compiled. */
    static SimnetProcess startCompiled(List<String> args) throws Exception {
        return start(args, List.of());
    }

    private static SimnetProcess start(List<String> args, List<String> jitOptions) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        // The parallel collector needs less CPU than G1, which would be paid on the shared cores.
        var cmd = new ArrayList<>(List.of(java, "-Xmx2g", "-XX:+UseParallelGC"));
        cmd.addAll(jitOptions);
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "dev.happyview.Main", "simnet"));
        cmd.addAll(args);
        var pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("HAPPYVIEW_LOG_LEVEL", "WARN");
        Process p = pb.start();
        var line = new CompletableFuture<String>();
        // A platform thread: a blocking read of a process pipe holds a virtual thread's carrier while the process runs.
        Thread.ofPlatform().daemon().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) {
                    if (l.startsWith("{")) line.complete(l);
                }
            } catch (Exception ignored) {
                // process ended
            }
            line.completeExceptionally(new IllegalStateException("simnet exited without describing itself"));
        });
        return new SimnetProcess(p, Json.MAPPER.readTree(line.get(300, TimeUnit.SECONDS)));
    }

    long pid() {
        return process.pid();
    }

    JsonNode info() {
        return info;
    }

    String relayUrl() {
        return info.get("relay_url").asText();
    }

    String plcUrl() {
        return info.get("plc_url").asText();
    }

    /** GETs a JSON document from the simnet (ground truth, stats). */
    JsonNode get(String url) throws Exception {
        try (var http = HttpClient.newHttpClient()) {
            var resp = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
            return Json.MAPPER.readTree(resp.body());
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
