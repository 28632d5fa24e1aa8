package dev.happyview.backfill;

import dev.happyview.api.ApiException;
import dev.happyview.api.Permission;
import dev.happyview.api.QueryParams;
import dev.happyview.api.RequestBodies;
import dev.happyview.api.Routes;
import io.javalin.http.Context;
import java.util.Map;
import java.util.UUID;

/** {@code /admin/backfill…}: thin handlers over {@link BackfillService}. */
public final class BackfillRoutes implements Routes.Module {
    private final BackfillService service;

    public BackfillRoutes(BackfillService service) {
        this.service = service;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/admin/backfill", Permission.BACKFILL_CREATE, (ctx, caller) -> {
            var job = service.create(RequestBodies.parse(ctx, BackfillService.CreateRequest.class));
            ctx.status(201).json(Map.of("id", job.id(), "status", job.status()));
        });
        routes.get("/admin/backfill/status", Permission.BACKFILL_READ, (ctx, caller) -> {
            var page = service.list(QueryParams.limit(ctx, 100, 1000), ctx.queryParam("cursor"));
            if (page.cursor() != null) ctx.header("X-Next-Cursor", page.cursor());
            ctx.json(page.jobs());
        });
        routes.get("/admin/backfill/{id}", Permission.BACKFILL_READ, (ctx, caller) ->
                ctx.json(service.get(jobId(ctx)).orElseThrow(() -> ApiException.notFound("no backfill job " + ctx.pathParam("id")))));
        routes.get("/admin/backfill/{id}/repos", Permission.BACKFILL_READ, (ctx, caller) -> {
            RepoStatus status = null;
            String s = ctx.queryParam("status");
            if (s != null && !s.isBlank()) {
                try {
                    status = RepoStatus.fromWire(s);
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("parameter 'status' must be one of pending, resolved, completed, skipped, failed, handed_off");
                }
            }
            ctx.json(service.repos(jobId(ctx), status, QueryParams.limit(ctx, 100, 1000), ctx.queryParam("cursor")));
        });
        routes.post("/admin/backfill/{id}/cancel", Permission.BACKFILL_CREATE, (ctx, caller) ->
                ctx.json(service.cancel(jobId(ctx))));
    }

    private static UUID jobId(Context ctx) {
        try {
            return UUID.fromString(ctx.pathParam("id"));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no backfill job " + ctx.pathParam("id"));
        }
    }
}
