package dev.happyview.tap;

import dev.happyview.api.ErrorBody;
import dev.happyview.api.Permission;
import dev.happyview.api.Routes;
import java.util.LinkedHashMap;

/** {@code GET /admin/tap/stats}: Tap's counters and the channel consumer's state; 502 when Tap cannot be asked. */
public final class TapStatsRoutes implements Routes.Module {
    private final TapClient tap;
    private final TapChannelConsumer consumer;

    public TapStatsRoutes(TapClient tap, TapChannelConsumer consumer) {
        this.tap = tap;
        this.consumer = consumer;
    }

    @Override
    public void register(Routes routes) {
        routes.get("/admin/tap/stats", Permission.STATS_READ, (ctx, caller) -> {
            var status = consumer.status();
            try {
                var out = new LinkedHashMap<String, Object>(tap.stats());
                out.put("connection_state", status.state().name().toLowerCase());
                out.put("events_applied", status.eventsApplied());
                out.put("events_per_second", status.eventsPerSecond());
                out.put("last_event_at", status.lastEventAt());
                out.put("dead_letters", status.deadLetters());
                out.put("redeliveries_dropped", status.copiesDropped());
                out.put("last_error", status.lastError());
                ctx.json(out);
            } catch (TapException e) {
                ctx.status(502).json(new ErrorBody("TapUnavailable", e.getMessage()));
            }
        });
    }
}
