package dev.happyview.live;

import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.store.Database;
import dev.happyview.records.RecordWriter;
import dev.happyview.sync.HandOff;
import dev.happyview.sync.LiveBuffer;
import dev.happyview.sync.RepoSyncStore;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Live indexing, assembled: the source's client, the pipeline that applies its events, and the applier the backfill
 * hand-off uses for events that waited in the buffer. Built once by the composition root: {@link #startJetstream}
 * here, the verified firehose by its own package through {@link #of}.
 */
public final class Live implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Live.class);

    private final LiveSource source;
    private final LivePipeline<?, ?> pipeline;
    private final CursorStore cursors;
    private final GapLog gaps;
    private final AutoCloseable extra;

    private Live(LiveSource source, LivePipeline<?, ?> pipeline, CursorStore cursors, GapLog gaps, AutoCloseable extra) {
        this.source = source;
        this.pipeline = pipeline;
        this.cursors = cursors;
        this.gaps = gaps;
        this.extra = extra;
    }

    /**
     * A started source and its pipeline.
     *
     * @param extra closed first (a source's helpers, such as the firehose's resyncs), or null
     */
    public static Live of(LiveSource source, LivePipeline<?, ?> pipeline, CursorStore cursors, GapLog gaps, AutoCloseable extra) {
        return new Live(source, pipeline, cursors, gaps, extra);
    }

    /**
     * @param collections       the record collections to subscribe to (all record lexicons)
     * @param isRecordCollection whether a collection has a record lexicon now (events in flight for a deleted one are
     *                           dropped)
     */
    public static Live startJetstream(String url, Database db, RecordWriter writer, RepoSyncStore sync, LiveBuffer buffer,
            HandOff handOff, DidResolver resolver, Supplier<List<String>> collections, Predicate<String> isRecordCollection,
            GapRepair repair, JetstreamSource.Settings settings) {
        var cursors = new CursorStore(db);
        var gaps = new GapLog(db, cursors);
        var applier = new JetstreamApplier(writer, sync, isRecordCollection);
        handOff.register(applier);
        var pipeline = new LivePipeline<String, JetstreamEvent>(db, sync, buffer, cursors, applier, JetstreamEvent::parse,
                outcome -> afterCommit(outcome, resolver, repair));
        var source = new JetstreamSource(url, collections, pipeline, cursors, gaps, repair, settings);
        pipeline.start();
        source.start();
        return new Live(source, pipeline, cursors, gaps, null);
    }

    private static void afterCommit(LiveApplier.Outcome outcome, DidResolver resolver, GapRepair repair) {
        for (String did : outcome.identityChanged()) {
            if (Did.isValid(did)) resolver.invalidate(Did.parse(did)); // the next fetch resolves it again
        }
        for (String did : outcome.needsBackfill()) {
            try {
                repair.backfill(did);
            } catch (Exception e) {
                log.warn("could not start the backfill of {}: {}", did, e.toString());
            }
        }
    }

    public LiveSource source() {
        return source;
    }

    public LivePipeline<?, ?> pipeline() {
        return pipeline;
    }

    public CursorStore cursors() {
        return cursors;
    }

    public GapLog gaps() {
        return gaps;
    }

    /** Record lexicons were uploaded or deleted. */
    public void collectionsChanged() {
        source.collectionsChanged();
    }

    @Override
    public void close() {
        if (extra != null) {
            try {
                extra.close();
            } catch (Exception e) {
                log.warn("closing {}: {}", source.name(), e.toString());
            }
        }
        source.close();
        pipeline.close();
    }
}
