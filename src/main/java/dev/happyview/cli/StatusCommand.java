package dev.happyview.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code happyview status}: the most recent backfill jobs as a table ({@code GET /admin/backfill/status}), then live
 * indexing in a few lines ({@code GET /admin/live}; left out for a key without {@code stats:read}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "List recent backfill jobs, newest first, and the state of live indexing.")
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    AdminOptions server;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "Jobs to show, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Override
    public Integer call() {
        try (var client = server.client()) {
            var table = new Table("ID", "COLLECTION", "DID", "STATUS", "STAGE", "REPOS", "RECORDS", "CREATED");
            for (JsonNode j : client.get("/admin/backfill/status?limit=" + limit)) {
                var job = JobSnapshot.of(j);
                table.row(job.id(), job.collection() == null ? "(all)" : job.collection(), job.did(), job.status(),
                        job.stage(), Table.count(job.processedRepos()) + "/" + Table.count(job.totalRepos()),
                        Table.count(job.totalRecords()), Table.time(job.createdAt()));
            }
            table.print(server.out(), "no backfill jobs");
            JsonNode live;
            try {
                live = client.get("/admin/live");
            } catch (CliException e) {
                return 0; // a key that may read jobs but not stats
            }
            printLive(live);
            return 0;
        }
    }

    private void printLive(JsonNode live) {
        var out = server.out();
        out.println();
        String state = live.path("state").asText();
        out.printf("live: %s %s%s%n", live.path("source").asText(), state,
                live.path("url").isTextual() ? " (" + live.get("url").asText() + ")" : "");
        if (!state.equals("off")) {
            JsonNode lag = live.path("lag_ms");
            out.printf("  cursor %s, %s events/s, lag %s; %s applied, %s buffered, %s refused; gaps %s%s%n",
                    live.path("cursor_time").isTextual() ? live.get("cursor_time").asText() : "-",
                    live.path("events_per_second").asText(),
                    lag.isObject() ? "p50 " + lag.path("p50").asText() + " ms, p99 " + lag.path("p99").asText() + " ms" : "-",
                    Table.count(live.path("events_applied").asLong()), Table.count(live.path("events_buffered").asLong()),
                    Table.count(live.path("events_refused").asLong()), live.path("gaps").asText(),
                    live.path("last_error").isTextual() ? "; last error: " + live.get("last_error").asText() : "");
        }
        JsonNode repos = live.path("repos");
        out.printf("  repos: %s synchronized, %s backfilling, %s desynchronized; %s events waiting; %s tombstones%n",
                Table.count(repos.path("synchronized").asLong()), Table.count(repos.path("backfilling").asLong()),
                Table.count(repos.path("desynchronized").asLong()), Table.count(live.path("buffered_events").asLong()),
                Table.count(live.path("tombstones").asLong()));
    }
}
