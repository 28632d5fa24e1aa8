package dev.happyview.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The service as a real child process ({@code happyview serve}) on the test's classpath, so tests can kill it with
 * SIGKILL and start it again. Its output is kept for failure messages.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final Pattern RUNNING = Pattern.compile("running at (http://\\S+)");

    private final Process process;
    private final List<String> output;
    private final String url;

    private ServiceProcess(Process process, List<String> output, String url) {
        this.process = process;
        this.output = output;
        this.url = url;
    }

    public static ServiceProcess start(Map<String, String> env) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        var pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), "dev.happyview.Main", "serve", "--host", "127.0.0.1", "--port", "0");
        pb.environment().putAll(env);
        pb.environment().putIfAbsent("LIVE_SOURCE", "off"); // traffic stays on loopback unless a test names its Jetstream
        pb.environment().put("HAPPYVIEW_LOG_LEVEL", "WARN");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        var lines = new ArrayList<String>();
        var started = new CompletableFuture<String>();
        // A platform thread: a blocking read of a process pipe holds a virtual thread's carrier while the process runs.
        Thread.ofPlatform().daemon().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                    var m = RUNNING.matcher(line);
                    if (m.find()) started.complete(m.group(1));
                }
            } catch (Exception ignored) {
                // the process was killed
            }
            started.completeExceptionally(new IllegalStateException("service exited: " + String.join("\n", lines)));
        });
        try {
            // A start takes seconds; minutes only on a machine loaded by other builds.
            return new ServiceProcess(p, lines, started.get(120, TimeUnit.SECONDS));
        } catch (TimeoutException | ExecutionException e) {
            p.destroyForcibly(); // a service that did not start must not go on running after the test
            throw e;
        }
    }

    /** Everything the process printed so far. */
    public List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    public String url() {
        return url;
    }

    /** The operating system's id of the process (for signals such as SIGSTOP). */
    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, nothing is released. */
    public void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, then waits up to {@code max} for a clean exit; returns the exit code. */
    public int terminate(Duration max) throws Exception {
        process.destroy();
        if (!process.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    @Override
    /** A process still running is stopped gracefully, so an embedded Postgres it started stops with it. */
    public void close() throws Exception {
        if (process.isAlive()) terminate(Duration.ofSeconds(30));
    }
}
