package dev.happyview.protocol.net;

import java.net.Inet4Address;
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
        return a instanceof Inet4Address ? isPrivateV4(b, 0) : isPrivateV6(b);
    }

    /** The IPv4 address at {@code b[at..at+3]}: private, shared, reserved, documentation, multicast or broadcast. */
    private static boolean isPrivateV4(byte[] b, int at) {
        int b0 = b[at] & 0xFF, b1 = b[at + 1] & 0xFF, b2 = b[at + 2] & 0xFF;
        return b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 100 && b1 >= 64 && b1 <= 127) // CGNAT
                || (b0 == 169 && b1 == 254) || (b0 == 172 && b1 >= 16 && b1 <= 31) || (b0 == 192 && b1 == 168)
                || (b0 == 192 && b1 == 0 && (b2 == 0 || b2 == 2)) || (b0 == 198 && (b1 == 18 || b1 == 19))
                || (b0 == 198 && b1 == 51 && b2 == 100) || (b0 == 203 && b1 == 0 && b2 == 113) // documentation
                || b0 >= 224;
    }

    /**
     * IPv6 ranges that are not public, and the forms that carry an IPv4 address inside (mapped, compatible, NAT64,
     * 6to4, Teredo): those are as private as the IPv4 address they lead to.
     */
    private static boolean isPrivateV6(byte[] b) {
        int w0 = word(b, 0), w1 = word(b, 2);
        if ((b[0] & 0xFE) == 0xFC) return true; // unique local fc00::/7
        if ((b[0] & 0xFF) == 0xFE && (b[1] & 0xC0) == 0x80) return true; // link local fe80::/10
        if (w0 == 0x2001 && w1 == 0x0db8) return true; // documentation 2001:db8::/32
        if (w0 == 0x0100 && zero(b, 2, 8)) return true; // discard-only 100::/64
        if (zero(b, 0, 10) && word(b, 10) == 0xFFFF) return isPrivateV4(b, 12); // IPv4-mapped ::ffff:0:0/96
        if (zero(b, 0, 12)) return true; // IPv4-compatible ::/96 (deprecated; ::1 and :: are caught above)
        if (w0 == 0x0064 && w1 == 0xFF9B) {
            // NAT64: the well-known 64:ff9b::/96 reaches the IPv4 address it embeds; the local-use 64:ff9b:1::/48
            // reaches whatever network its operator chose.
            return !zero(b, 4, 12) || isPrivateV4(b, 12);
        }
        if (w0 == 0x2002) return isPrivateV4(b, 2); // 6to4 2002::/16
        if (w0 == 0x2001 && w1 == 0x0000) { // Teredo 2001::/32: the server, and the client (bits inverted)
            byte[] client = {(byte) ~b[12], (byte) ~b[13], (byte) ~b[14], (byte) ~b[15]};
            return isPrivateV4(b, 4) || isPrivateV4(client, 0);
        }
        return false;
    }

    private static int word(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) return false;
        }
        return true;
    }

    private static EndpointCheckException refused(URI endpoint, String why) {
        return new EndpointCheckException(true, "refusing to contact " + endpoint + ": " + why, null);
    }
}
