package dev.happyview.cli;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * Follows one backfill job: polls it every {@value #POLL_MILLIS} ms and shows its {@link ProgressLine}, redrawn in
 * place on a terminal and printed every {@value #LOG_MILLIS} ms otherwise (logs and CI output stay readable).
 */
final class JobWatcher {
    static final long POLL_MILLIS = 500;
    static final long LOG_MILLIS = 2000;

    private final AdminClient client;
    private final PrintWriter out;
    private final boolean terminal;

    JobWatcher(AdminClient client, PrintWriter out, boolean terminal) {
        this.client = client;
        this.out = out;
        this.terminal = terminal;
    }

    /** Returns the exit code: 0 completed, 1 failed or cancelled. */
    int watch(String id) {
        // Ctrl-C ends the JVM; say what that means for the job, which the server keeps running.
        var onInterrupt = new Thread(() -> {
            out.println();
            out.println("stopped waiting; job " + id + " keeps running (happyview status)");
            out.flush();
        }, "backfill-wait-interrupt");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            return follow(id);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // The hook is already running.
            }
        }
    }

    private int follow(String id) {
        String path = "/admin/backfill/" + AdminClient.encode(id);
        int lastWidth = 0;
        long lastLog = 0;
        String unavailable = null;
        while (true) {
            JobSnapshot job;
            try {
                job = JobSnapshot.of(client.get(path));
            } catch (CliException e) {
                // The server is up but its database is not: the job is paused, not over. Say so once and keep waiting.
                if (e.httpStatus() != 503) throw e;
                if (!e.getMessage().equals(unavailable)) {
                    if (terminal && lastWidth > 0) out.println();
                    out.println(e.getMessage() + "; waiting");
                    out.flush();
                    unavailable = e.getMessage();
                    lastWidth = 0;
                }
                pause(id);
                continue;
            }
            if (unavailable != null) {
                out.println("the database is back; the job continues");
                unavailable = null;
            }
            String line = ProgressLine.of(job);
            long now = System.nanoTime();
            if (terminal) {
                // Pad over the rest of a longer previous line.
                out.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
                lastWidth = line.length();
                if (job.ended()) out.println();
                out.flush();
            } else if (job.ended() || lastLog == 0 || now - lastLog >= Duration.ofMillis(LOG_MILLIS).toNanos()) {
                out.println(line);
                out.flush();
                lastLog = now;
            }
            if (job.ended()) return summary(job);
            pause(id);
        }
    }

    private static void pause(String id) {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted; job " + id + " keeps running");
        }
    }

    private int summary(JobSnapshot job) {
        String took = job.startedAt() != null && job.completedAt() != null
                ? " in " + ProgressLine.duration(Duration.between(job.startedAt(), job.completedAt()).toSeconds()) : "";
        String counts = Table.count(job.processedRepos()) + " repos, " + Table.count(job.totalRecords()) + " records"
                + (job.failedRepos() > 0 ? ", " + Table.count(job.failedRepos()) + " repos failed" : "")
                + (job.skippedRepos() > 0 ? ", " + Table.count(job.skippedRepos()) + " repos skipped" : "");
        switch (job.status()) {
            case "completed" -> {
                out.println("completed: " + counts + took);
                out.flush();
                return 0;
            }
            case "failed" -> out.println("failed: " + (job.error() == null ? "(no error recorded)" : job.error()) + " (" + counts + ")");
            default -> out.println(job.status() + ": " + counts);
        }
        out.flush();
        return 1;
    }
}
