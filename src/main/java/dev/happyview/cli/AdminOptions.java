package dev.happyview.cli;

import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every admin command shares: where the server is, the key to call it with, and the command's output streams. */
public final class AdminOptions {
    static final String DEFAULT_URL = "http://localhost:3000";

    @Option(names = "--url", paramLabel = "URL",
            description = "HappyView server [HAPPYVIEW_URL, default: " + DEFAULT_URL + "]")
    String url;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "API key (hv_…) [HAPPYVIEW_API_KEY; prefer the variable: flags show up in ps]")
    String apiKey;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    AdminClient client() {
        if (apiKey == null || apiKey.isBlank()) {
            throw new CliException("no API key: set HAPPYVIEW_API_KEY or pass --api-key "
                    + "(the server prints an admin key on its first start, or set ADMIN_API_KEY there)");
        }
        return new AdminClient(url == null ? DEFAULT_URL : url, apiKey.strip());
    }

    PrintWriter out() {
        return command.commandLine().getOut();
    }

    PrintWriter err() {
        return command.commandLine().getErr();
    }

    /** Fills {@code --url} and {@code --api-key} from the environment when the flags are absent. */
    record EnvDefaults(Map<String, String> env) implements CommandLine.IDefaultValueProvider {
        @Override
        public String defaultValue(ArgSpec arg) {
            if (!(arg instanceof OptionSpec o)) return null;
            return switch (o.longestName()) {
                case "--url" -> env.getOrDefault("HAPPYVIEW_URL", DEFAULT_URL);
                case "--api-key" -> env.get("HAPPYVIEW_API_KEY");
                default -> null;
            };
        }
    }
}
