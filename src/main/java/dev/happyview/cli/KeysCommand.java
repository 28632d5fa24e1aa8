package dev.happyview.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.api.Permission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code happyview keys create|list|revoke} over {@code /admin/api-keys}. */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create, list and revoke API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand {

    /** The permission names, for help and shell completion. */
    static final class Permissions implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Permission.values()).map(p -> p.wire).iterator();
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print its secret (shown only this once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        AdminOptions server;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "What the key is for.")
        String name;

        @Option(names = "--permission", required = true, paramLabel = "P", split = ",", completionCandidates = Permissions.class,
                description = "A permission, repeatable or comma-separated: ${COMPLETION-CANDIDATES}.")
        List<String> permissions = new ArrayList<>();

        @Override
        public Integer call() {
            try (var client = server.client()) {
                JsonNode key = client.post("/admin/api-keys", Map.of("name", name, "permissions", permissions));
                var out = server.out();
                out.println("created key " + key.path("id").asText() + " (" + key.path("name").asText() + ")");
                out.println(key.path("key").asText());
                out.println("Store it now: the secret is not shown again.");
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        AdminOptions server;

        @Override
        public Integer call() {
            try (var client = server.client()) {
                var table = new Table("ID", "NAME", "PREFIX", "PERMISSIONS", "CREATED", "LAST USED", "REVOKED");
                for (JsonNode k : client.get("/admin/api-keys")) {
                    var perms = new ArrayList<String>();
                    k.path("permissions").forEach(p -> perms.add(p.asText()));
                    table.row(k.path("id").asText(), k.path("name").asText(), k.path("key_prefix").asText(),
                            String.join(",", perms), Table.time(LexiconCommand.instant(k.path("created_at"))),
                            Table.time(LexiconCommand.instant(k.path("last_used_at"))),
                            Table.time(LexiconCommand.instant(k.path("revoked_at"))));
                }
                table.print(server.out(), "no API keys");
                return 0;
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key; it stops working at once.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        AdminOptions server;

        @Parameters(paramLabel = "ID", description = "The key's id (from keys list).")
        String id;

        @Override
        public Integer call() {
            try (var client = server.client()) {
                client.delete("/admin/api-keys/" + AdminClient.encode(id));
                server.out().println("revoked " + id);
                return 0;
            }
        }
    }
}
