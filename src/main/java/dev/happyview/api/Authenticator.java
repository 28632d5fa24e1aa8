package dev.happyview.api;

/** Turns a request's {@code Authorization} header into its caller; implemented by the API-key feature. */
@FunctionalInterface
public interface Authenticator {
    /** Throws an {@link ApiException} (401, or 503 when it cannot check now) instead of returning no caller. */
    Caller authenticate(String authorizationHeader);
}
