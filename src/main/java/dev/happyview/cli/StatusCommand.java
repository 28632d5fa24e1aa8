package dev.happyview.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code happyview status}: the most recent backfill jobs as a table ({@code GET /admin/backfill/status}). */
@Command(name = "status", mixinStandardHelpOptions = true, description = "List recent backfill jobs, newest first.")
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
            return 0;
        }
    }
}
