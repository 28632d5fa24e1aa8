package dev.happyview.simnet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SimnetCommandTest {
    @Test
    void printsOneParseableJsonLine() throws Exception {
        SimnetCommand cmd = new SimnetCommand();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        Thread t = Thread.ofPlatform().daemon().start(() -> new CommandLine(cmd).execute(
                "--seed", "4", "--repos", "6", "--pds", "2", "--collections", "app.bsky.feed.post,app.bsky.feed.like",
                "--latency-ms", "1", "--rate-limit", "3000/300", "--faults", "not-found:1", "--live-rate", "200",
                "--live-duration", "1", "--jetstream-faults", "10/0/0"));
        try {
            assertThat(cmd.started.await(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            System.setOut(old);
        }
        try {
            String out = buf.toString(StandardCharsets.UTF_8);
            assertThat(out.lines().count()).isEqualTo(1);
            JsonNode line = SimHttp.JSON.readTree(out);
            assertThat(line.get("relay_url").asText()).startsWith("http://127.0.0.1:");
            assertThat(line.get("plc_url").asText()).startsWith("http://127.0.0.1:");
            assertThat(line.get("ground_truth_url").asText()).endsWith("/ground-truth");
            assertThat(line.get("lower_bound_ms").get("list_records").asLong()).isPositive();
            assertThat(line.get("lower_bound_ms").get("get_repo").asLong()).isPositive();
            assertThat(line.get("repos").asInt()).isEqualTo(6);
            assertThat(line.get("records").asLong()).isPositive();
            assertThat(SimHttp.get(line.get("ground_truth_url").asText()).text()).contains("\"expected_failure\":\"not-found\"");
            assertThat(line.get("jetstream_url").asText()).startsWith("ws://127.0.0.1:");
            assertThat(line.get("firehose_url").asText()).startsWith("ws://127.0.0.1:");
            long before = line.get("records").asLong();
            Thread.sleep(1500); // --live-rate 200 for 1 s: the network changed, the ground truth says how it is now
            assertThat(SimHttp.get(line.get("ground_truth_url").asText()).text().lines().filter(l -> l.contains("\"uri\"")).count())
                    .isNotEqualTo(before);
        } finally {
            cmd.network.close();
            t.interrupt();
        }
    }
}
