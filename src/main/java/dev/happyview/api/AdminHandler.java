package dev.happyview.api;

import dev.happyview.auth.ApiKey;
import io.javalin.http.Context;

/** A handler for an admin route; it runs only after the caller's key was checked for the route's permission. */
@FunctionalInterface
public interface AdminHandler {
    void handle(Context ctx, ApiKey caller) throws Exception;
}
