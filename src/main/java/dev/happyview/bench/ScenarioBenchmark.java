package dev.happyview.bench;

import dev.happyview.store.EmbeddedPostgresServer;
import java.io.PrintStream;

/** Placeholder until the simnet lands. */
final class ScenarioBenchmark {
    ScenarioBenchmark(EmbeddedPostgresServer pg, String strategy, boolean baseline, PrintStream out) {}

    int run(String scenario) {
        throw new UnsupportedOperationException("scenario benchmarks need the simnet");
    }
}
