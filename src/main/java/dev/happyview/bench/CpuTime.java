package dev.happyview.bench;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * CPU time taken by the three parties of a benchmark on the shared cores: this process (the service), the simulated
 * network's process, and the Postgres server processes. Read from the operating system (per-process totals), so a
 * run can say where its cores went; backends that exit during the run take their time with them.
 */
record CpuTime(Duration service, Duration simnet, Map<Long, Duration> postgres) {

    static CpuTime now(long simnetPid) {
        Map<Long, Duration> pg = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres") || c.endsWith("/postgres.exe")).orElse(false))
                .collect(Collectors.toMap(ProcessHandle::pid, CpuTime::cpu));
        return new CpuTime(cpu(ProcessHandle.current()),
                ProcessHandle.of(simnetPid).map(CpuTime::cpu).orElse(Duration.ZERO), pg);
    }

    /** The time each party spent between {@code start} and this sample. */
    Spent since(CpuTime start) {
        Duration pg = Duration.ZERO;
        for (var e : postgres.entrySet()) pg = pg.plus(e.getValue().minus(start.postgres.getOrDefault(e.getKey(), Duration.ZERO)));
        return new Spent(service.minus(start.service), simnet.minus(start.simnet), pg);
    }

    record Spent(Duration service, Duration simnet, Duration postgres) {
        String describe(long records) {
            return String.format("cpu: service %.1f s (%.1f µs/record), simnet %.1f s, postgres %.1f s", secs(service),
                    service.toNanos() / 1000.0 / Math.max(1, records), secs(simnet), secs(postgres));
        }

        private static double secs(Duration d) {
            return d.toMillis() / 1000.0;
        }
    }

    private static Duration cpu(ProcessHandle p) {
        return p.info().totalCpuDuration().orElse(Duration.ZERO);
    }
}
