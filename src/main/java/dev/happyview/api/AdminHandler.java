package dev.happyview.api;

import io.javalin.http.Context;

/** A handler for an admin route; it runs only after the caller was checked for the route's permission. */
@FunctionalInterface
public interface AdminHandler {
    void handle(Context ctx, Caller caller) throws Exception;
}
