package dev.happyview.cli;

import java.util.Map;
import picocli.CommandLine;

/** Adds the operator commands that call a running server's admin API, and their shared error handling. */
public final class AdminCommands {
    private AdminCommands() {}

    /**
     * {@code env} supplies {@code HAPPYVIEW_URL} and {@code HAPPYVIEW_API_KEY}; {@code terminal} says whether stdout is
     * a terminal (progress redrawn in place). Call after every other subcommand is added: the error handler and the
     * defaults apply to the commands present at that moment.
     */
    public static void install(CommandLine root, Map<String, String> env, boolean terminal) {
        root.addSubcommand("backfill", new BackfillCommand(terminal));
        root.addSubcommand("status", new StatusCommand());
        root.addSubcommand("lexicon", new LexiconCommand());
        root.addSubcommand("keys", new KeysCommand());
        root.setDefaultValueProvider(new AdminOptions.EnvDefaults(env));
        root.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (!(e instanceof CliException)) throw e;
            cmd.getErr().println("error: " + e.getMessage());
            cmd.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        });
    }
}
