package dev.happyview.firehose;

import dev.happyview.api.Permission;
import dev.happyview.api.Routes;
import dev.happyview.live.CursorStore;
import dev.happyview.live.GapLog;
import dev.happyview.live.GapRepair;
import dev.happyview.live.Live;
import dev.happyview.live.LiveApplier;
import dev.happyview.live.LivePipeline;
import dev.happyview.live.StreamConnection;
import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.identity.SigningKeys;
import dev.happyview.records.RecordWriter;
import dev.happyview.store.Database;
import dev.happyview.sync.HandOff;
import dev.happyview.sync.LiveBuffer;
import dev.happyview.sync.RepoSyncStore;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The verified relay firehose as a live source ({@code LIVE_SOURCE=firehose}), assembled: the client, the live
 * pipeline with the verifying applier (which the backfill hand-off also uses for buffered events), the resyncs, and
 * {@code GET /admin/live/resyncs}. Built once by the composition root.
 */
public final class Firehose implements Routes.Module {
    private final Live live;
    private final ChainStore chains;
    private final Resyncer resyncer;
    private final FirehoseStats stats;

    private Firehose(Live live, ChainStore chains, Resyncer resyncer, FirehoseStats stats) {
        this.live = live;
        this.chains = chains;
        this.resyncer = resyncer;
        this.stats = stats;
    }

    /**
     * @param collections        the record collections (no connection while there is none)
     * @param isRecordCollection whether a collection has a record lexicon now (ops are filtered by it after verification)
     * @param repair             the backfill that repairs a gap in the stream itself (all repos of the record collections)
     * @param jobs               the backfill jobs that resync one repo
     */
    public static Firehose start(String url, Database db, RecordWriter writer, RepoSyncStore sync, LiveBuffer buffer,
            HandOff handOff, DidResolver resolver, Supplier<List<String>> collections, Predicate<String> isRecordCollection,
            GapRepair repair, ResyncJobs jobs) {
        var stats = new FirehoseStats();
        var cursors = new CursorStore(db);
        var gaps = new GapLog(db, cursors);
        var chains = new ChainStore(db);
        var keys = new SigningKeys(resolver, 200_000);
        var applier = new FirehoseApplier(chains, keys, sync, new RecordWrites(writer), isRecordCollection, stats);
        handOff.register(applier);
        var resyncer = new Resyncer(db, jobs);
        var pipeline = new LivePipeline<FirehoseFrame, FirehoseFrame>(db, sync, buffer, cursors, applier, Function.identity(),
                outcome -> afterCommit(outcome, keys, resyncer));
        var source = new FirehoseSource(url, collections, pipeline, cursors, gaps, repair, stats,
                StreamConnection.Settings.defaults(), () -> details(chains, resyncer, stats));
        pipeline.start();
        source.start();
        return new Firehose(Live.of(source, pipeline, cursors, gaps, resyncer), chains, resyncer, stats);
    }

    private static void afterCommit(LiveApplier.Outcome outcome, SigningKeys keys, Resyncer resyncer) {
        outcome.identityChanged().forEach(keys::invalidate); // the next commit is checked against a fresh document
        if (!outcome.needsBackfill().isEmpty()) resyncer.wake();
    }

    public Live live() {
        return live;
    }

    public FirehoseStats stats() {
        return stats;
    }

    /** Refused events by kind, each stream position once. */
    public Map<String, Long> rejectionsByKind() throws SQLException {
        return chains.rejectionsByKind(FirehoseApplier.SOURCE);
    }

    /** Resyncs started, by the kind of gap that asked for them. */
    public Map<String, Long> resyncsByKind() throws SQLException {
        return chains.resyncsByKind();
    }

    /** The firehose's part of {@code /admin/live}. */
    private static Map<String, Object> details(ChainStore chains, Resyncer resyncer, FirehoseStats stats) throws Exception {
        var verification = new LinkedHashMap<String, Object>();
        verification.put("verified", stats.verified());
        verification.put("stale_ignored", stats.stale());
        verification.put("rejected", chains.rejectionsByKind(FirehoseApplier.SOURCE));
        verification.put("gaps_found", stats.gaps());
        var resyncs = new LinkedHashMap<String, Object>();
        Map<String, Long> byKind = chains.resyncsByKind();
        resyncs.put("started", byKind.values().stream().mapToLong(Long::longValue).sum());
        resyncs.put("by_kind", byKind);
        resyncs.put("recent", resyncer.recent(5));
        var out = new LinkedHashMap<String, Object>();
        out.put("verification", verification);
        out.put("resyncs", resyncs);
        return out;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/admin/live/resyncs", Permission.STATS_READ, (ctx, caller) -> {
            String did = ctx.queryParam("did");
            var out = new LinkedHashMap<String, Object>();
            out.put("by_kind", resyncsByKind());
            out.put("repos", resyncer.repos(did == null || did.isBlank() ? null : did, 100));
            out.put("recent", resyncer.recent(50));
            ctx.json(out);
        });
    }
}
