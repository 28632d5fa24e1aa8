package dev.happyview.live;

import dev.happyview.api.Routes;
import dev.happyview.api.Permission;
import dev.happyview.store.Database;
import dev.happyview.records.RecordWriter;
import dev.happyview.sync.LiveBuffer;
import dev.happyview.sync.RepoSyncStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /admin/live}: the live source, its connection, cursor and lag, throughput, repos by sync state, the
 * buffer, tombstones and recent gaps. With no live source ({@code LIVE_SOURCE=off}, or Tap mode, where Tap's channel
 * carries live changes) the sync-state part is still shown.
 */
public final class LiveRoutes implements Routes.Module {
    private final String sourceName;
    private final Live live;
    private final Database db;
    private final RepoSyncStore sync;
    private final LiveBuffer buffer;
    private final RecordWriter writer;

    /** @param live null when no live source runs here */
    public LiveRoutes(String sourceName, Live live, Database db, RepoSyncStore sync, LiveBuffer buffer, RecordWriter writer) {
        this.sourceName = sourceName;
        this.live = live;
        this.db = db;
        this.sync = sync;
        this.buffer = buffer;
        this.writer = writer;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/admin/live", Permission.STATS_READ, (ctx, caller) -> ctx.json(view()));
    }

    /** The document {@code /admin/live} answers (also used by {@code happyview status}). */
    public Map<String, Object> view() throws Exception {
        var out = new LinkedHashMap<String, Object>();
        out.put("source", sourceName);
        if (live != null) {
            var status = live.source().status();
            var stats = live.pipeline().stats();
            out.put("state", status.state().name().toLowerCase());
            out.put("url", status.url());
            out.put("collections", status.collections());
            out.put("connected_since", status.connectedSince());
            out.put("reconnects", status.reconnects());
            out.put("last_error", status.lastError() != null ? status.lastError() : live.pipeline().lastError());
            var cursor = live.cursors().resumePoint(live.source().name());
            out.put("cursor", cursor.isPresent() ? cursor.getAsLong() : null);
            out.put("cursor_time", cursor.isPresent() ? live.source().cursorTime(cursor.getAsLong()) : null);
            long last = stats.lastEventMicros();
            out.put("last_event_time", last < 0 ? null : micros(last));
            var lag = stats.lag(60_000);
            out.put("lag_ms", lag == null ? null : Map.of("p50", lag.p50Ms(), "p99", lag.p99Ms(), "max", lag.maxMs(),
                    "events", lag.events()));
            out.put("events_per_second", stats.eventsPerSecond());
            out.put("events_applied", stats.applied());
            out.put("events_buffered", stats.buffered());
            out.put("events_refused", stats.refused());
            out.put("backlog", live.pipeline().backlog());
            out.put("gaps", live.gaps().count());
            out.put("recent_gaps", live.gaps().recent(5));
            out.putAll(live.source().details());
        } else {
            out.put("state", "off");
        }
        var repos = new LinkedHashMap<String, Long>();
        sync.countsByState().forEach((state, n) -> repos.put(state.wire(), n));
        out.put("repos", repos);
        try (var c = db.connection()) {
            out.put("buffered_events", buffer.size(c));
        }
        out.put("tombstones", writer.tombstones());
        return out;
    }

    private static Instant micros(long us) {
        return Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000);
    }
}
