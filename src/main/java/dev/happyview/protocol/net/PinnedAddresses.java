package dev.happyview.protocol.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The addresses {@link OutboundGuard} checked, per host name, answered to every later lookup of that name in this
 * process (through {@link PinningResolverProvider}), so the HTTP client connects to exactly what was checked: a DNS
 * answer that changes between the check and the connect (rebinding) is never seen. Names that were never checked
 * resolve as usual. Pins hold only public addresses, so answering them to other callers is like a DNS cache.
 */
public final class PinnedAddresses {
    /** Long enough that a connect never outlives its check; the guard re-resolves far sooner (see {@link #REFRESH_NANOS}). */
    private static final long TTL_NANOS = 10 * 60 * 1_000_000_000L;
    /** How long a check stays good before the guard asks DNS again (the JDK's own positive cache time). */
    static final long REFRESH_NANOS = 30 * 1_000_000_000L;
    private static final int MAX_PINS = 100_000;

    private record Pin(InetAddress[] addresses, long pinnedAtNanos) {}

    private static final ConcurrentHashMap<String, Pin> pins = new ConcurrentHashMap<>();
    private static volatile InetAddressResolver builtin;

    private PinnedAddresses() {}

    static void useBuiltin(InetAddressResolver resolver) {
        builtin = resolver;
    }

    /** A fresh answer from the system resolver, past both the pins and the JDK's cache. */
    public static InetAddress[] resolveFresh(String host) throws UnknownHostException {
        // An address literal involves no DNS (the JDK parses it without any resolver), so nothing can rebind it.
        if (host.startsWith("[") || host.indexOf(':') >= 0 || host.matches("[0-9.]+")) return InetAddress.getAllByName(host);
        if (builtin == null) InetAddress.getAllByName("localhost"); // loads the resolver provider, which sets builtin
        InetAddressResolver b = builtin;
        if (b == null) {
            // Fail closed: without the provider the HTTP client would resolve the name again itself.
            throw new UnknownHostException("the pinning resolver provider is not installed; refusing to resolve " + host);
        }
        return b.lookupByName(host, InetAddressResolver.LookupPolicy.of(
                InetAddressResolver.LookupPolicy.IPV4 | InetAddressResolver.LookupPolicy.IPV6)).toArray(InetAddress[]::new);
    }

    /**
     * Answers {@code addresses} (already checked) to every lookup of {@code host} from now on. False when the table
     * is full of live pins: the caller must then not connect (evicting a live pin could reopen the window).
     */
    static boolean pin(String host, InetAddress[] addresses) {
        if (pins.size() >= MAX_PINS) {
            long now = System.nanoTime();
            pins.values().removeIf(p -> now - p.pinnedAtNanos() > TTL_NANOS);
            if (pins.size() >= MAX_PINS && !pins.containsKey(key(host))) return false;
        }
        pins.put(key(host), new Pin(addresses.clone(), System.nanoTime()));
        return true;
    }

    /** The pinned addresses of {@code host}, or null when none are pinned or the pin is older than {@code maxAgeNanos}. */
    static InetAddress[] pinned(String host, long maxAgeNanos) {
        Pin p = pins.get(key(host));
        if (p == null || System.nanoTime() - p.pinnedAtNanos() > Math.min(maxAgeNanos, TTL_NANOS)) return null;
        return p.addresses().clone();
    }

    static InetAddress[] pinned(String host) {
        return pinned(host, TTL_NANOS);
    }

    private static String key(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
