package dev.happyview.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code happyview backfill}: starts a job ({@code POST /admin/backfill}) and, with {@code --wait}, follows it to the end. */
@Command(name = "backfill", mixinStandardHelpOptions = true,
        description = {"Start a backfill job and print its id.",
                "With --wait, show its progress until it ends: exit 0 when it completed, 1 when it failed or was "
                        + "cancelled, 2 for a bad request or an unreachable server."})
public final class BackfillCommand implements Callable<Integer> {
    @Mixin
    AdminOptions server;

    @Option(names = "--collection", paramLabel = "NSID",
            description = "Collection to backfill (a record lexicon must be uploaded); default: every record lexicon uploaded with backfill on.")
    String collection;

    @Option(names = "--did", paramLabel = "DID", split = ",",
            description = "Only these repos (up to 500), repeatable or comma-separated; default: every repo the relay lists.")
    List<String> dids = new ArrayList<>();

    @Option(names = "--strategy", paramLabel = "S", description = "Fetch strategy: auto, list-records or get-repo (default: the server's).")
    String strategy;

    @Option(names = "--prune", description = "Delete indexed records of the job's repos that the network no longer has.")
    boolean prune;

    @Option(names = "--wait", description = "Follow the job until it ends (Ctrl-C stops waiting; the job keeps running).")
    boolean await;

    private final boolean terminal;

    /** {@code terminal}: stdout is a terminal, so progress is redrawn in place instead of printed line by line. */
    public BackfillCommand(boolean terminal) {
        this.terminal = terminal;
    }

    @Override
    public Integer call() {
        try (var client = server.client()) {
            var body = new LinkedHashMap<String, Object>();
            if (collection != null) body.put("collection", collection);
            if (!dids.isEmpty()) body.put("dids", dids);
            if (strategy != null) body.put("strategy", strategy);
            if (prune) body.put("prune", true);
            String id = client.post("/admin/backfill", body).path("id").asText();
            if (!await) {
                server.out().println(id);
                return 0;
            }
            server.out().println("backfill job " + id);
            server.out().flush();
            return new JobWatcher(client, server.out(), terminal).watch(id);
        }
    }
}
