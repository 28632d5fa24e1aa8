package dev.happyview.records;

import dev.happyview.api.ApiException;
import dev.happyview.api.Permission;
import dev.happyview.api.QueryParams;
import dev.happyview.api.Routes;
import dev.happyview.protocol.syntax.AtUri;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.syntax.Nsid;
import dev.happyview.store.Database;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code /admin/records}: browse with stable cursor paging, read one, delete one or a whole collection. The cursor is
 * the last URI of a page, opaque to clients; URIs are unique and never reordered, so new rows cannot shift a page.
 * Page sizes follow HappyView: 20 by default; larger requests are clamped to {@link #MAX_LIMIT}.
 */
public final class RecordRoutes implements Routes.Module {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 1000;
    private final RecordQueries queries;
    private final RecordWriter writer;

    public RecordRoutes(Database db, RecordWriter writer) {
        this.queries = new RecordQueries(db);
        this.writer = writer;
    }

    record RecordPage(List<RecordQueries.IndexedRecord> records, String cursor) {}

    @Override
    public void register(Routes routes) {
        routes.get("/admin/records", Permission.RECORDS_READ, (ctx, caller) -> {
            String collection = blankToNull(ctx.queryParam("collection"));
            String did = blankToNull(ctx.queryParam("did"));
            if (collection != null && !Nsid.isValid(collection)) throw ApiException.badRequest("parameter 'collection' is not a valid NSID");
            if (did != null && !Did.isValid(did)) throw ApiException.badRequest("parameter 'did' is not a valid DID");
            int limit = QueryParams.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
            var page = queries.page(collection, did, decodeCursor(ctx.queryParam("cursor")), limit);
            String next = page.size() == limit ? encodeCursor(page.getLast().uri()) : null;
            ctx.json(new RecordPage(page, next));
        });
        routes.get("/admin/records/one", Permission.RECORDS_READ, (ctx, caller) -> {
            String uri = uri(ctx);
            ctx.json(queries.find(uri).orElseThrow(() -> ApiException.notFound("no record " + uri)));
        });
        routes.delete("/admin/records", Permission.RECORDS_DELETE, (ctx, caller) -> {
            String uri = uri(ctx);
            if (writer.deleteUnconditionally(List.of(uri)) == 0) throw ApiException.notFound("no record " + uri);
            ctx.status(204);
        });
        routes.delete("/admin/records/collection", Permission.RECORDS_DELETE_COLLECTION, (ctx, caller) -> {
            String collection = blankToNull(ctx.queryParam("collection"));
            if (collection == null || !Nsid.isValid(collection)) {
                throw ApiException.badRequest("parameter 'collection' must be a valid NSID");
            }
            ctx.json(Map.of("deleted", writer.deleteCollection(collection)));
        });
    }

    private static String uri(Context ctx) {
        String uri = ctx.queryParam("uri");
        if (uri == null || !AtUri.isValid(uri) || AtUri.parse(uri).rkey() == null) {
            throw ApiException.badRequest("parameter 'uri' must be the AT-URI of a record");
        }
        return uri;
    }

    private static String encodeCursor(String uri) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(uri.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeCursor(String cursor) {
        if (cursor == null || cursor.isBlank()) return null;
        try {
            return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("parameter 'cursor' is not a cursor from this API");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
