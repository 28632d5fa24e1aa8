package dev.happyview.api;

/** Who called an admin route, as far as the route's permission check needs to know. */
public interface Caller {
    boolean allows(Permission permission);
}
