package dev.happyview.lexicon;

import dev.happyview.api.ApiException;
import dev.happyview.api.Permission;
import dev.happyview.api.RequestBodies;
import dev.happyview.api.Routes;
import java.util.Map;

/** {@code /admin/lexicons}: thin handlers over {@link LexiconService}. */
public final class LexiconRoutes implements Routes.Module {
    private final LexiconService service;

    public LexiconRoutes(LexiconService service) {
        this.service = service;
    }

    @Override
    public void register(Routes routes) {
        routes.post("/admin/lexicons", Permission.LEXICONS_CREATE, (ctx, caller) -> {
            var body = RequestBodies.parse(ctx, LexiconService.Upload.class);
            if (body.lexiconJson() == null) throw ApiException.badRequest("field 'lexicon_json' is required");
            var up = service.upload(body);
            ctx.status(up.created() ? 201 : 200).json(Map.of("id", up.id(), "revision", up.revision()));
        });
        routes.get("/admin/lexicons", Permission.LEXICONS_READ, (ctx, caller) -> ctx.json(service.list()));
        routes.get("/admin/lexicons/{id}", Permission.LEXICONS_READ, (ctx, caller) ->
                ctx.json(service.get(ctx.pathParam("id"))
                        .orElseThrow(() -> ApiException.notFound("no lexicon " + ctx.pathParam("id")))));
        routes.delete("/admin/lexicons/{id}", Permission.LEXICONS_DELETE, (ctx, caller) -> {
            if (!service.delete(ctx.pathParam("id"))) throw ApiException.notFound("no lexicon " + ctx.pathParam("id"));
            ctx.status(204);
        });
    }
}
