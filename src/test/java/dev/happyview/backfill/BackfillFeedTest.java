package dev.happyview.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.Json;
import dev.happyview.testing.TestApp;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BackfillFeedTest {

    @Test
    void theStreamNeedsATokenAndPushesTheJobsListWhenItChanges() throws Exception {
        var http = HttpClient.newHttpClient();
        try (var app = TestApp.start()) {
            var noToken = app.get("/admin/backfill/events", null);
            assertThat(noToken.status()).isEqualTo(401);
            assertThat(app.get("/admin/backfill/events?token=abc", null).status()).isEqualTo(401);
            assertThat(app.post("/admin/backfill/events/token", null, null).status()).isEqualTo(401);

            var issued = app.post("/admin/backfill/events/token", TestApp.ADMIN_KEY, null);
            assertThat(issued.status()).isEqualTo(200);
            String token = issued.json().get("token").asText();
            assertThat(issued.json().get("expires_in").asInt()).isEqualTo(60);

            var req = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/admin/backfill/events?token=" + token))
                    .header("Accept", "text/event-stream").build();
            var resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(resp.statusCode()).isEqualTo(200);
            var events = new LinkedBlockingQueue<String>();
            Thread.ofVirtual().start(() -> {
                try (var in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                    String event = null;
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.startsWith("event:")) event = line.substring(6).strip();
                        else if (line.startsWith("data:") && "jobs".equals(event)) events.add(line.substring(5).strip());
                    }
                } catch (Exception ignored) {
                    // stream closed at the end of the test
                }
            });
            String first = events.poll(10, TimeUnit.SECONDS);
            assertThat(Json.MAPPER.readTree(first).isArray()).isTrue();
            assertThat(Json.MAPPER.readTree(first)).isEmpty();

            var created = app.post("/admin/backfill", TestApp.ADMIN_KEY, "{\"did\":\"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa\"}");
            assertThat(created.status()).isEqualTo(201);
            String id = created.json().get("id").asText();
            String pushed = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                String e = events.poll(1, TimeUnit.SECONDS);
                if (e != null && e.contains(id)) {
                    pushed = e;
                    break;
                }
            }
            assertThat(pushed).as("a push naming the new job").isNotNull();
            assertThat(Json.MAPPER.readTree(pushed).get(0).get("id").asText()).isEqualTo(id);
            resp.body().close();
        } finally {
            http.shutdownNow();
        }
    }

    @Test
    void withoutTheEventStreamAcceptHeaderTheAnswerIsAClearError() {
        try (var app = TestApp.start()) {
            String token = app.post("/admin/backfill/events/token", TestApp.ADMIN_KEY, null).json().get("token").asText();
            var resp = app.get("/admin/backfill/events?token=" + token, null);
            assertThat(resp.status()).isEqualTo(400);
            assertThat(resp.json().get("message").asText()).contains("text/event-stream");
        }
    }
}
