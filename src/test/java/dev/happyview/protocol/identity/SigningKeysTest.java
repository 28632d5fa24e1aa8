package dev.happyview.protocol.identity;

import static dev.happyview.testing.ScriptedServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.happyview.testing.ScriptedServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SigningKeysTest {
    @Test
    void prefetchLooksUpTheNewAccountsTogetherAndKeepsTheirKeys() throws Exception {
        var inFlight = new AtomicInteger();
        var most = new AtomicInteger();
        try (var plc = new ScriptedServer((ex, n) -> {
                    most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(200); // a directory far away
                        String did = ex.getRequestURI().getPath().substring(1);
                        json(ex, 200, DidResolverTest.MULTIKEY_DOC.replace(DidResolverTest.DID, did));
                    } finally {
                        inFlight.decrementAndGet();
                    }
                });
                var client = DidResolverTest.client(true)) {
            var keys = new SigningKeys(new DidResolver(client, plc.url()), 100);
            List<String> dids = new ArrayList<>();
            for (int i = 0; i < 8; i++) dids.add("did:plc:ewvi7nxzyoun6zhxrhs64oi" + (char) ('a' + i));
            keys.prefetch(dids);
            assertThat(plc.requests()).hasSize(8);
            assertThat(most.get()).as("lookups at the same time").isGreaterThan(1);
            for (String did : dids) assertThat(keys.key(did, false)).isNotNull();
            assertThat(plc.requests()).as("the keys were kept: no lookup when verifying").hasSize(8);
        }
    }
}
