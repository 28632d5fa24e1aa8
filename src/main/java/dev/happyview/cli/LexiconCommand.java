package dev.happyview.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code happyview lexicon upload|list|delete} over {@code /admin/lexicons}. */
@Command(name = "lexicon", mixinStandardHelpOptions = true, description = "Upload, list and delete lexicons.",
        subcommands = {LexiconCommand.Upload.class, LexiconCommand.ListLexicons.class, LexiconCommand.Delete.class})
public final class LexiconCommand {

    @Command(name = "upload", mixinStandardHelpOptions = true,
            description = {"Upload a lexicon document (JSON). A new record lexicon starts a backfill of its collection "
                    + "unless --no-backfill is given."})
    static final class Upload implements Callable<Integer> {
        @Mixin
        AdminOptions server;

        @Parameters(paramLabel = "FILE", description = "The lexicon JSON file.")
        Path file;

        @Option(names = "--no-backfill", description = "Store it without backfilling its collection now or in all-collection jobs.")
        boolean noBackfill;

        @Override
        public Integer call() {
            JsonNode doc;
            try {
                doc = Json.MAPPER.readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                throw new CliException("cannot read " + file + " as JSON: " + e.getMessage());
            }
            try (var client = server.client()) {
                // Jobs before the upload, so the one it starts (if any) can be named.
                Optional<Set<String>> before = noBackfill ? Optional.empty() : recentJobs(client, null);
                var body = new LinkedHashMap<String, Object>();
                body.put("lexicon_json", doc);
                body.put("backfill", !noBackfill);
                JsonNode up = client.post("/admin/lexicons", body);
                String id = up.path("id").asText();
                server.out().println("uploaded " + id + " (revision " + up.path("revision").asInt() + ")");
                before.flatMap(b -> recentJobs(client, id).map(after -> {
                    after.removeAll(b);
                    return after;
                })).ifPresent(started -> started.forEach(job -> server.out().println("started backfill job " + job)));
                return 0;
            }
        }

        /**
         * Ids of the 20 newest jobs (of {@code collection} when given). Empty when they cannot be read: naming the job
         * is a courtesy, and a key may hold lexicons:create without backfill:read.
         */
        private static Optional<Set<String>> recentJobs(AdminClient client, String collection) {
            try {
                var ids = new HashSet<String>();
                for (JsonNode j : client.get("/admin/backfill/status?limit=20")) {
                    if (collection == null || collection.equals(j.path("collection").asText())) ids.add(j.path("id").asText());
                }
                return Optional.of(ids);
            } catch (CliException e) {
                return Optional.empty();
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List uploaded lexicons.")
    static final class ListLexicons implements Callable<Integer> {
        @Mixin
        AdminOptions server;

        @Override
        public Integer call() {
            try (var client = server.client()) {
                var table = new Table("ID", "TYPE", "BACKFILL", "REVISION", "UPDATED");
                for (JsonNode l : client.get("/admin/lexicons")) {
                    table.row(l.path("id").asText(), l.path("lexicon_type").asText(), l.path("backfill").asBoolean() ? "yes" : "no",
                            l.path("revision").asInt(), Table.time(instant(l.path("updated_at"))));
                }
                table.print(server.out(), "no lexicons");
                return 0;
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a lexicon (indexed records stay).")
    static final class Delete implements Callable<Integer> {
        @Mixin
        AdminOptions server;

        @Parameters(paramLabel = "NSID", description = "The lexicon id.")
        String nsid;

        @Override
        public Integer call() {
            try (var client = server.client()) {
                client.delete("/admin/lexicons/" + AdminClient.encode(nsid));
                server.out().println("deleted " + nsid);
                return 0;
            }
        }
    }

    static Instant instant(JsonNode n) {
        return n.isTextual() ? Instant.parse(n.asText()) : null;
    }
}
