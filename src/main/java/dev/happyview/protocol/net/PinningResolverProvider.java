package dev.happyview.protocol.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolver.LookupPolicy;
import java.net.spi.InetAddressResolverProvider;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The JVM's name resolver (installed through {@code META-INF/services}): the system resolver, except that names
 * {@link OutboundGuard} checked resolve to the addresses it checked ({@link PinnedAddresses}). This is how the JDK
 * HTTP client, which resolves names itself and cannot be given an address, ends up connecting to a checked one.
 */
public final class PinningResolverProvider extends InetAddressResolverProvider {
    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        PinnedAddresses.useBuiltin(builtin);
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                InetAddress[] pinned = PinnedAddresses.pinned(host);
                if (pinned == null) return builtin.lookupByName(host, policy);
                int c = policy.characteristics();
                boolean v4 = (c & LookupPolicy.IPV4) != 0, v6 = (c & LookupPolicy.IPV6) != 0;
                InetAddress[] allowed = Arrays.stream(pinned)
                        .filter(a -> a instanceof Inet4Address ? v4 : a instanceof Inet6Address && v6)
                        .sorted(Comparator.comparingInt(a -> order(a, c)))
                        .toArray(InetAddress[]::new);
                if (allowed.length == 0) throw new UnknownHostException(host + ": no pinned address of the asked family");
                return Arrays.stream(allowed);
            }

            @Override
            public String lookupByAddress(byte[] addr) throws UnknownHostException {
                return builtin.lookupByAddress(addr);
            }
        };
    }

    private static int order(InetAddress a, int characteristics) {
        if ((characteristics & LookupPolicy.IPV6_FIRST) != 0) return a instanceof Inet6Address ? 0 : 1;
        if ((characteristics & LookupPolicy.IPV4_FIRST) != 0) return a instanceof Inet4Address ? 0 : 1;
        return 0;
    }

    @Override
    public String name() {
        return "happyview-pinned-addresses";
    }
}
