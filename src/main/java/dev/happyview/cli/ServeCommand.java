package dev.happyview.cli;

import dev.happyview.App;
import dev.happyview.config.Config;
import dev.happyview.config.Setting;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code happyview serve}: runs the service until interrupted. Its flags are generated from {@link Setting}. */
public final class ServeCommand implements Callable<Integer> {
    private final Map<Setting, String> overrides = new EnumMap<>(Setting.class);

    public static CommandLine commandLine() {
        var cmd = new ServeCommand();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(cmd);
        spec.name("serve");
        spec.usageMessage().description("Start the service (admin API, dashboard, backfill workers).",
                "Every flag can also be set with the environment variable named in brackets.");
        spec.mixinStandardHelpOptions(true);
        for (Setting s : Setting.values()) {
            spec.addOption(OptionSpec.builder(s.flag)
                    .paramLabel(s.env)
                    .type(String.class)
                    .description(s.description + " [" + s.env + ", default: "
                            + (s.defaultValue.isEmpty() ? "none" : s.defaultValue) + "]")
                    .setter(new CommandLine.Model.ISetter() {
                        @Override
                        public <T> T set(T value) {
                            if (value != null) cmd.overrides.put(s, (String) value);
                            return null;
                        }
                    })
                    .build());
        }
        return new CommandLine(spec);
    }

    @Override
    public Integer call() throws Exception {
        Config config = Config.load(System.getenv(), overrides);
        long t0 = System.nanoTime();
        var app = App.start(config);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        var done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            app.close();
            done.countDown();
        }, "shutdown"));
        var out = System.out;
        String host = config.get(Setting.HOST).equals("0.0.0.0") ? "localhost" : config.get(Setting.HOST);
        out.printf("HappyView is running at http://%s:%d (started in %d ms)%n", host, app.port(), ms);
        out.println(config.embeddedDatabase()
                ? "Database: embedded Postgres, data in " + config.dataDir().resolve("postgres")
                : "Database: " + redact(config.get(Setting.DATABASE_URL)));
        app.generatedAdminKey().ifPresent(key -> {
            out.println();
            out.println("Admin API key (shown once, store it now): " + key);
            out.println("Use it as: Authorization: Bearer " + key);
        });
        out.flush();
        done.await();
        return 0;
    }

    private static String redact(String url) {
        return url.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@").replaceAll("password=[^&]*", "password=***");
    }
}
