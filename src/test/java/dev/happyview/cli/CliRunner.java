package dev.happyview.cli;

import dev.happyview.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs {@code happyview …} in-process against a server, with captured output and no terminal. */
final class CliRunner {
    private CliRunner() {}

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** Runs with {@code HAPPYVIEW_URL} and {@code HAPPYVIEW_API_KEY} set to {@code url} and {@code key} (each may be null). */
    static Result run(String url, String key, String... args) {
        var env = new HashMap<String, String>();
        if (url != null) env.put("HAPPYVIEW_URL", url);
        if (key != null) env.put("HAPPYVIEW_API_KEY", key);
        return runWith(env, false, List.of(args));
    }

    static Result runWith(Map<String, String> env, boolean terminal, List<String> args) {
        var cli = Main.commandLine(env, terminal);
        var out = new StringWriter();
        var err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(new ArrayList<>(args).toArray(String[]::new));
        return new Result(exit, out.toString(), err.toString());
    }
}
