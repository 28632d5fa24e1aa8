package dev.happyview.api;

import io.javalin.http.Context;

/** Query parameters shared by the paged admin routes. */
public final class QueryParams {
    private QueryParams() {}

    /**
     * {@code limit}: absent → {@code dflt}; above {@code max} → {@code max} (a client asking for more than a page holds
     * gets a full page, as HappyView clamps); not a whole number of 1 or more → a 400 naming it.
     */
    public static int limit(Context ctx, int dflt, int max) {
        String s = ctx.queryParam("limit");
        if (s == null || s.isBlank()) return dflt;
        long n;
        try {
            n = Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            n = s.strip().matches("\\d+") ? Long.MAX_VALUE : 0;
        }
        if (n < 1) throw ApiException.badRequest("parameter 'limit' must be a whole number from 1 (at most " + max + " are returned)");
        return (int) Math.min(n, max);
    }
}
