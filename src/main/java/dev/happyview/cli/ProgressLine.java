package dev.happyview.cli;

import java.util.Locale;

/**
 * One line of backfill progress, e.g.
 * {@code [#########-----------]  45%  fetching_records  450/1000 repos  45,120 records  12,300 rec/s  ETA 0:04}.
 */
final class ProgressLine {
    static final int WIDTH = 20;

    private ProgressLine() {}

    static String of(JobSnapshot job) {
        int pct = job.totalRepos() == 0 ? 0 : (int) Math.min(100, job.processedRepos() * 100L / job.totalRepos());
        if (job.status().equals("completed")) pct = 100;
        int filled = pct * WIDTH / 100;
        return "[" + "#".repeat(filled) + "-".repeat(WIDTH - filled) + "]"
                + String.format(Locale.ROOT, " %3d%%  %s  %s/%s repos  %s records  %s rec/s  ETA %s",
                        pct, job.stage(), Table.count(job.processedRepos()), Table.count(job.totalRepos()),
                        Table.count(job.totalRecords()), Table.count(Math.round(job.recordsPerSecond())),
                        job.etaSeconds() == null ? "-:--" : duration(job.etaSeconds()));
    }

    /** m:ss, or h:mm:ss from an hour on. */
    static String duration(long seconds) {
        long s = Math.max(0, seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
