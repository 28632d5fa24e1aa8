package dev.happyview.protocol.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses endpoints named by untrusted documents (a DID document's PDS, a did:web host) that point into private
 * space: in production only https to hosts whose every address is public. {@code ALLOW_PRIVATE_NETWORK} (tests,
 * simnet) allows loopback, private addresses and plain http.
 *
 * <p>DNS rebinding: the check resolves the name once, checks every address, and pins them ({@link PinnedAddresses});
 * the HTTP client's own lookup of that name then gets exactly the checked addresses, so an answer that changes
 * between the check and the connect is never used. A check younger than 30 s is reused without asking DNS again.
 * Redirects are never followed, so one cannot lead elsewhere.
 */
public final class OutboundGuard {
    /** Fresh DNS answers (the system resolver); a seam so tests can name what a host resolves to without real DNS. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final boolean allowPrivate;
    private final Resolver resolver;
    /** host → when this guard last checked it; a check younger than 30 s is reused while its pin lives. */
    private final ConcurrentHashMap<String, Long> checkedAt = new ConcurrentHashMap<>();

    public OutboundGuard(boolean allowPrivate) {
        this(allowPrivate, PinnedAddresses::resolveFresh);
    }

    public OutboundGuard(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = resolver;
    }

    public boolean allowsPrivateNetwork() {
        return allowPrivate;
    }

    /** Throws when {@code endpoint} may not be contacted now; {@link EndpointCheckException#refused()} when never. */
    public void check(URI endpoint) throws EndpointCheckException {
        String scheme = endpoint.getScheme();
        String host = endpoint.getHost();
        if (host == null || scheme == null) throw refused(endpoint, "not an absolute http(s) URL");
        if (!scheme.equals("https") && !(allowPrivate && scheme.equals("http"))) {
            throw refused(endpoint, "only https endpoints are allowed");
        }
        if (allowPrivate) return;
        Long last = checkedAt.get(host);
        if (last != null && System.nanoTime() - last < PinnedAddresses.REFRESH_NANOS
                && PinnedAddresses.pinned(host, PinnedAddresses.REFRESH_NANOS) != null) {
            return; // checked moments ago, and the connect will still get the checked addresses
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new EndpointCheckException(false, "cannot resolve host " + host, e);
        }
        for (InetAddress a : addresses) {
            if (isPrivate(a)) throw refused(endpoint, "host resolves to a non-public address " + a.getHostAddress());
        }
        if (addresses.length == 0) throw new EndpointCheckException(false, "host " + host + " has no address", null);
        if (!PinnedAddresses.pin(host, addresses)) { // the connect will use exactly these
            throw new EndpointCheckException(false, "too many hosts pinned; not contacting " + host + " now", null);
        }
        if (checkedAt.size() > 100_000) checkedAt.clear(); // only costs fresh lookups
        checkedAt.put(host, System.nanoTime());
    }

    static boolean isPrivate(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xFF, b1 = b[1] & 0xFF;
            return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 100 && b1 >= 64 && b1 <= 127) // CGNAT
                    || (b0 == 169 && b1 == 254) || (b0 == 172 && b1 >= 16 && b1 <= 31) || (b0 == 192 && b1 == 168)
                    || (b0 == 192 && b1 == 0 && (b[2] & 0xFF) == 0) || (b0 == 198 && (b1 == 18 || b1 == 19))
                    || b0 >= 224;
        }
        if (a instanceof Inet6Address) {
            if ((b[0] & 0xFE) == 0xFC) return true; // unique local fc00::/7
            if ((b[0] & 0xFF) == 0xFE && (b[1] & 0xC0) == 0x80) return true; // link local fe80::/10
            boolean v4Mapped = true;
            for (int i = 0; i < 10; i++) v4Mapped &= b[i] == 0;
            v4Mapped &= (b[10] & 0xFF) == 0xFF && (b[11] & 0xFF) == 0xFF;
            if (v4Mapped) {
                try {
                    return isPrivate(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
                } catch (UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }

    private static EndpointCheckException refused(URI endpoint, String why) {
        return new EndpointCheckException(true, "refusing to contact " + endpoint + ": " + why, null);
    }
}
