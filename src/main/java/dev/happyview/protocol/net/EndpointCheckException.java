package dev.happyview.protocol.net;

import java.io.IOException;

/**
 * {@link OutboundGuard} would not let a request go to an endpoint: {@code refused} when the endpoint itself is not
 * allowed (asking again cannot help), otherwise its host could not be checked now (DNS failed, no address, too many
 * pinned hosts) and a later attempt may pass.
 */
public final class EndpointCheckException extends IOException {
    private final boolean refused;

    EndpointCheckException(boolean refused, String message, Throwable cause) {
        super(message, cause);
        this.refused = refused;
    }

    public boolean refused() {
        return refused;
    }
}
