package dev.happyview.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Production mode refuses every address that is not public, whatever form it comes in: each range below is what a
 * hostile DID document's host name resolves to (the resolver seam stands in for DNS). Public addresses next to each
 * range's edges must still pass, so the test cannot pass by refusing everything.
 */
class OutboundGuardTest {
    static final List<String> NOT_PUBLIC = List.of(
            // IPv4
            "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254", "127.0.0.1",
            "127.255.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.254", "192.0.0.8", "192.0.2.1",
            "192.168.0.1", "192.168.255.254", "198.18.0.1", "198.19.255.254", "198.51.100.7", "203.0.113.9",
            "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
            // IPv6
            "::", "::1", "fc00::1", "fd12:3456:789a::1", "fe80::1", "febf::1", "ff02::1", "2001:db8::1", "100::1",
            // IPv4 inside IPv6: mapped, compatible (deprecated), NAT64 (well-known and local-use), 6to4, Teredo
            "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:192.168.1.1", "::127.0.0.1", "::10.0.0.1",
            "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b::a9fe:a9fe", "64:ff9b::ac10:1",
            "64:ff9b:1::808:808",
            "2002:7f00:1::1", "2002:a00:1::1", "2002:c0a8:101::1", "2002:a9fe:a9fe::1", "2002:ac10:1::1",
            "2001:0:a00:1::1", "2001:0:4136:e378:8000:63bf:80ff:fffe" /* Teredo client 127.0.0.1 (inverted) */);

    static final List<String> PUBLIC = List.of(
            "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "100.63.255.255", "100.128.0.1", "126.255.255.255",
            "128.0.0.1", "169.253.255.255", "169.255.0.1", "172.15.255.255", "172.32.0.1", "192.167.255.255",
            "192.169.0.1", "198.17.255.255", "198.20.0.1", "223.255.255.254",
            "2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450:4001::1",
            "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "2001:0:4136:e378:8000:63bf:f7f7:f7f7");

    @Test
    void everyNonPublicRangeIsRefusedInEveryForm() throws Exception {
        var admitted = new ArrayList<String>();
        for (String address : NOT_PUBLIC) {
            if (allowed(address)) admitted.add(address);
        }
        assertThat(admitted).as("non-public addresses the guard let through").isEmpty();
    }

    @Test
    void publicAddressesNextToThoseRangesPass() throws Exception {
        var refused = new ArrayList<String>();
        for (String address : PUBLIC) {
            if (!allowed(address)) refused.add(address);
        }
        assertThat(refused).as("public addresses the guard refused").isEmpty();
    }

    @Test
    void oneNonPublicAddressAmongPublicOnesRefusesTheHost() throws Exception {
        var answer = new InetAddress[] {InetAddress.getByName("8.8.8.8"), InetAddress.getByName("64:ff9b::a9fe:a9fe")};
        var guard = new OutboundGuard(false, host -> answer);
        assertThat(refusal(guard, "https://" + UUID.randomUUID() + ".example/")).contains("non-public");
    }

    @Test
    void allowPrivateNetworkLetsLoopbackThroughForTestsAndSimnet() throws Exception {
        var guard = new OutboundGuard(true, host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        assertThat(refusal(guard, "http://127.0.0.1:2583/")).isNull();
    }

    /** Whether production mode lets a host resolving to {@code address} be contacted. Names are unique per call. */
    static boolean allowed(String address) throws Exception {
        InetAddress resolved = InetAddress.getByName(address);
        var guard = new OutboundGuard(false, host -> new InetAddress[] {resolved});
        return refusal(guard, "https://" + UUID.randomUUID() + ".example/") == null;
    }

    static String refusal(OutboundGuard guard, String url) {
        try {
            guard.check(URI.create(url));
            return null;
        } catch (EndpointCheckException e) {
            assertThat(e.refused()).as("a refusal, not a failed lookup: " + e.getMessage()).isTrue();
            return e.getMessage();
        }
    }
}
