package dev.happyview.protocol.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.happyview.testing.ScriptedServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding: a name that is public when checked and loopback a moment later. The connect must use what was
 * checked. Names are unique per test, so the JVM-wide pins and the JDK's lookup cache cannot leak between tests.
 */
class DnsRebindingTest {

    @Test
    void aNameRebindingToLoopbackAfterTheCheckStillResolvesToTheCheckedAddress() throws Exception {
        String name = "rebind-" + UUID.randomUUID() + ".example";
        InetAddress checked = InetAddress.getByName("93.184.216.34");
        var dns = new AtomicReference<>(new InetAddress[] {checked});
        var guard = new OutboundGuard(false, host -> dns.get());
        guard.check(URI.create("https://" + name + "/xrpc/com.atproto.sync.getRepo"));

        dns.set(new InetAddress[] {InetAddress.getLoopbackAddress()}); // the attacker's DNS answer changes
        // What the JDK HTTP client does when it connects: resolve the name through the JVM's resolver.
        assertThat(InetAddress.getAllByName(name)).containsExactly(checked);

        // A later check that sees the new answer refuses, and that answer is never handed to a connect.
        var later = new OutboundGuard(false, host -> dns.get());
        assertThatThrownBy(() -> later.check(URI.create("https://" + name))).hasMessageContaining("non-public");
        assertThat(InetAddress.getAllByName(name)).containsExactly(checked);
    }

    @Test
    void theJdkHttpClientConnectsToThePinnedAddress() throws Exception {
        // A name no DNS knows, pinned to the loopback server: the request arriving proves the client's own lookup
        // went through the pins (the same path a checked public address takes in production).
        String name = "pinned-" + UUID.randomUUID() + ".example";
        try (var server = new ScriptedServer((ex, n) -> ScriptedServer.json(ex, 200, "{}"));
                var http = HttpClient.newHttpClient()) {
            assertThat(PinnedAddresses.pin(name, new InetAddress[] {InetAddress.getLoopbackAddress()})).isTrue();
            int port = URI.create(server.url()).getPort();
            var resp = http.send(HttpRequest.newBuilder(URI.create("http://" + name + ":" + port + "/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(server.requests()).hasSize(1);
        }
    }

    @Test
    void theProductionGuardAsksTheSystemResolverThroughTheProvider() throws Exception {
        // The provider is installed through META-INF/services, so fresh answers come from the system resolver.
        assertThat(PinnedAddresses.resolveFresh("localhost")).isNotEmpty().allMatch(InetAddress::isLoopbackAddress);
        assertThatThrownBy(() -> new OutboundGuard(false).check(URI.create("https://localhost")))
                .hasMessageContaining("non-public");
    }
}
