package dev.happyview;

import dev.happyview.bench.BenchCommand;
import dev.happyview.cli.AdminCommands;
import dev.happyview.cli.ServeCommand;
import dev.happyview.simnet.SimnetCommand;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code happyview} command line: {@code serve} and the operator tools. */
@Command(name = "happyview", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "ATProto record indexing and backfill service.")
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return commandLine(System.getenv(), System.console() != null);
    }

    /** {@code env} and {@code terminal} are parameters so tests can run the admin commands in-process. */
    public static CommandLine commandLine(Map<String, String> env, boolean terminal) {
        var cli = new CommandLine(new Main());
        cli.addSubcommand("serve", ServeCommand.commandLine());
        cli.addSubcommand("bench", new BenchCommand());
        cli.addSubcommand("simnet", new SimnetCommand());
        AdminCommands.install(cli, env, terminal);
        return cli;
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }

    public static String version() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"happyview " + version()};
        }
    }
}
