package dev.happyview.protocol.identity;

import static dev.happyview.testing.ScriptedServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Base58;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.crypto.PublicKeys;
import dev.happyview.protocol.net.OutboundGuard;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.xrpc.ClientSettings;
import dev.happyview.protocol.xrpc.PdsClient;
import dev.happyview.protocol.xrpc.XrpcClient;
import dev.happyview.protocol.xrpc.XrpcException;
import dev.happyview.testing.ScriptedServer;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.junit.jupiter.api.Test;

class DidResolverTest {
    static final String DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz";
    static final String MULTIKEY_DOC = """
            {"@context":["https://www.w3.org/ns/did/v1"],"id":"did:plc:ewvi7nxzyoun6zhxrhs64oiz",
             "alsoKnownAs":["at://atproto.com"],
             "verificationMethod":[{"id":"did:plc:ewvi7nxzyoun6zhxrhs64oiz#atproto","type":"Multikey",
               "controller":"did:plc:ewvi7nxzyoun6zhxrhs64oiz","publicKeyMultibase":"zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF"}],
             "service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"https://bsky.social"}]}""";

    static XrpcClient client(boolean allowPrivate) {
        return new XrpcClient(ClientSettings.defaults(allowPrivate), new OutboundGuard(allowPrivate), new ObjectMapper(), "test");
    }

    @Test
    void readsThePdsKeyAndHandleOfAMultikeyDocument() throws Exception {
        try (var plc = new ScriptedServer((ex, n) -> json(ex, 200, MULTIKEY_DOC)); var client = client(true)) {
            DidDocument doc = new DidResolver(client, plc.url()).resolve(Did.parse(DID));
            assertThat(doc.pdsEndpoint()).contains("https://bsky.social");
            assertThat(doc.handle()).contains("atproto.com");
            var key = doc.signingKey().orElseThrow();
            assertThat(PublicKeys.fromVerificationMethod(key.type(), key.publicKeyMultibase())).isNotNull();
        }
    }

    @Test
    void readsTheLegacyFormServedByTheReferencePlc() throws Exception {
        var pair = AtprotoKeyPair.generate(Curve.K256, new byte[] {1});
        // Legacy: relative ids, EcdsaSecp256k1VerificationKey2019, uncompressed point without multicodec.
        byte[] uncompressed = CustomNamedCurves.getByName("secp256k1").getCurve()
                .decodePoint(pair.publicKey().compressed()).getEncoded(false);
        String legacy = "z" + Base58.encode(uncompressed);
        String doc = """
                {"id":"%s","alsoKnownAs":["at://alice.test"],
                 "verificationMethod":[{"id":"#atproto","type":"EcdsaSecp256k1VerificationKey2019","controller":"%s","publicKeyMultibase":"%s"}],
                 "service":[{"id":"#atproto_pds","type":"AtprotoPersonalDataServer","serviceEndpoint":"http://localhost:2583"}]}"""
                .formatted(DID, DID, legacy);
        try (var plc = new ScriptedServer((ex, n) -> json(ex, 200, doc)); var client = client(true)) {
            DidDocument parsed = new DidResolver(client, plc.url()).resolve(Did.parse(DID));
            var key = parsed.signingKey().orElseThrow();
            var pub = PublicKeys.fromVerificationMethod(key.type(), key.publicKeyMultibase());
            byte[] data = "hello".getBytes();
            assertThat(pub.verify(data, pair.sign(data))).isTrue();
            assertThat(parsed.pdsEndpoint()).contains("http://localhost:2583");
        }
    }

    @Test
    void aDocumentForAnotherDidIsRejectedPermanently() throws Exception {
        try (var plc = new ScriptedServer((ex, n) -> json(ex, 200, MULTIKEY_DOC.replace("\"id\":\"did:plc:ewvi", "\"id\":\"did:plc:aaaa")));
                var client = client(true)) {
            assertThatThrownBy(() -> new DidResolver(client, plc.url()).resolve(Did.parse(DID)))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.isPermanent()).isTrue())
                    .hasMessageContaining("id");
        }
    }

    @Test
    void notFoundAndTombstonedDidsArePermanentAndCachedBriefly() throws Exception {
        for (int status : new int[] {404, 410}) {
            try (var plc = new ScriptedServer((ex, n) -> json(ex, status, "{\"message\":\"DID not registered\"}"));
                    var client = client(true)) {
                var resolver = new DidResolver(client, plc.url());
                for (int i = 0; i < 3; i++) {
                    assertThatThrownBy(() -> resolver.resolve(Did.parse(DID)))
                            .isInstanceOfSatisfying(XrpcException.class, e -> {
                                assertThat(e.isPermanent()).isTrue();
                                assertThat(e.error()).isEqualTo("DidNotFound");
                            });
                }
                assertThat(plc.requests()).hasSize(1);
            }
        }
    }

    @Test
    void concurrentLookupsOfOneDidShareOneRequest() throws Exception {
        try (var plc = new ScriptedServer((ex, n) -> {
                    Thread.sleep(200);
                    json(ex, 200, MULTIKEY_DOC);
                });
                var client = client(true);
                var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var resolver = new DidResolver(client, plc.url());
            var calls = new ArrayList<Future<DidDocument>>();
            for (int i = 0; i < 20; i++) calls.add(pool.submit(() -> resolver.resolve(Did.parse(DID))));
            for (var f : calls) assertThat(f.get().did()).isEqualTo(DID);
            resolver.resolve(Did.parse(DID));
            assertThat(plc.requests()).hasSize(1);
            resolver.invalidate(Did.parse(DID));
            resolver.resolve(Did.parse(DID));
            assertThat(plc.requests()).hasSize(2);
        }
    }

    @Test
    void hostilePdsEndpointsAreRefusedInProductionMode() throws Exception {
        var pds = new PdsClient(new XrpcClient(ClientSettings.defaults(false), new OutboundGuard(false), new ObjectMapper(), "t"));
        for (String endpoint : new String[] {"http://127.0.0.1:2583", "https://127.0.0.1", "https://[::1]", "https://169.254.169.254"}) {
            assertThatThrownBy(() -> pds.listRecords(endpoint, DID, "a.b.c", null, 100))
                    .as(endpoint)
                    .isInstanceOfSatisfying(XrpcException.class, e -> {
                        assertThat(e.isPermanent()).isTrue();
                        assertThat(e.error()).isEqualTo("EndpointRefused");
                    });
        }
        // A DNS name that resolves into private space is refused too (the resolver seam stands in for DNS).
        var guard = new OutboundGuard(false, host -> switch (host) {
            case "evil.example" -> new InetAddress[] {InetAddress.getByName("10.0.0.1")};
            case "meta.example" -> new InetAddress[] {InetAddress.getByName("93.184.216.34"), InetAddress.getByName("169.254.169.254")};
            default -> new InetAddress[] {InetAddress.getByName("93.184.216.34")};
        });
        assertThatThrownBy(() -> guard.check(URI.create("https://evil.example"))).hasMessageContaining("10.0.0.1");
        assertThatThrownBy(() -> guard.check(URI.create("https://meta.example"))).hasMessageContaining("169.254.169.254");
        assertThatThrownBy(() -> guard.check(URI.create("http://public.example"))).hasMessageContaining("https");
        guard.check(URI.create("https://public.example"));
        new OutboundGuard(true).check(URI.create("http://127.0.0.1:2583"));
    }

    @Test
    void aDidWebDocumentPointingAtLoopbackIsRefusedInProductionMode() throws Exception {
        // Production resolver: did:web names a host whose DNS answer is loopback.
        var guard = new OutboundGuard(false, host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
        try (var client = new XrpcClient(ClientSettings.defaults(false), guard, new ObjectMapper(), "t")) {
            assertThatThrownBy(() -> new DidResolver(client, "https://plc.invalid").resolve(Did.parse("did:web:rebind.example")))
                    .isInstanceOfSatisfying(XrpcException.class, e -> assertThat(e.isPermanent()).isTrue())
                    .hasMessageContaining("non-public");
        }
    }
}
