package dev.happyview.api;

import io.javalin.http.Context;

/** Query parameters shared by the paged admin routes. */
public final class QueryParams {
    private QueryParams() {}

    /** {@code limit}: absent → {@code dflt}; otherwise an integer from 1 to {@code max}, or a 400 naming it. */
    public static int limit(Context ctx, int dflt, int max) {
        String s = ctx.queryParam("limit");
        if (s == null || s.isBlank()) return dflt;
        try {
            int n = Integer.parseInt(s.strip());
            if (n < 1 || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("parameter 'limit' must be an integer from 1 to " + max);
        }
    }
}
