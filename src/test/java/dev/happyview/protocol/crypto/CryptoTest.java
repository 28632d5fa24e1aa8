package dev.happyview.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.repo.InteropVectors;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class CryptoTest {
    static Stream<JsonNode> signatureFixtures() {
        return elements("crypto/signature-fixtures.json");
    }

    static Stream<JsonNode> k256DidKeys() {
        return elements("crypto/w3c_didkey_K256.json");
    }

    private static Stream<JsonNode> elements(String path) {
        return StreamSupport.stream(InteropVectors.json(path).spliterator(), false);
    }

    @ParameterizedTest
    @MethodSource("signatureFixtures")
    void signatureFixturesVerifyAsExpected(JsonNode fixture) {
        byte[] message = Base64.getDecoder().decode(fixture.get("messageBase64").asText());
        byte[] signature = Base64.getDecoder().decode(fixture.get("signatureBase64").asText());
        boolean expected = fixture.get("validSignature").asBoolean();

        AtprotoPublicKey fromDidKey = PublicKeys.fromDidKey(fixture.get("publicKeyDid").asText());
        AtprotoPublicKey fromLegacy = PublicKeys.fromVerificationMethod(
                fixture.get("didDocSuite").asText(), fixture.get("publicKeyMultibase").asText());

        assertThat(fromLegacy).isEqualTo(fromDidKey);
        assertThat(fromDidKey.curve()).isEqualTo(fixture.get("algorithm").asText().equals("ES256K") ? Curve.K256 : Curve.P256);
        assertThat(fromDidKey.verify(message, signature)).as(fixture.get("comment").asText()).isEqualTo(expected);
        assertThat(fromDidKey.didKey()).isEqualTo(fixture.get("publicKeyDid").asText());
    }

    @ParameterizedTest
    @MethodSource("k256DidKeys")
    void w3cK256PrivateKeysGiveTheirDidKeys(JsonNode vector) {
        byte[] privateKey = HexFormat.of().parseHex(vector.get("privateKeyBytesHex").asText());
        AtprotoKeyPair pair = AtprotoKeyPair.fromPrivateKey(Curve.K256, privateKey);
        assertThat(pair.didKey()).isEqualTo(vector.get("publicDidKey").asText());
        assertThat(PublicKeys.fromDidKey(pair.didKey())).isEqualTo(pair.publicKey());
    }

    @Test
    void w3cP256PrivateKeyGivesItsDidKey() {
        JsonNode vector = InteropVectors.json("crypto/w3c_didkey_P256.json").get(0);
        byte[] privateKey = Base58.decode(vector.get("privateKeyBytesBase58").asText());
        AtprotoKeyPair pair = AtprotoKeyPair.fromPrivateKey(Curve.P256, privateKey);
        assertThat(pair.didKey()).isEqualTo(vector.get("publicDidKey").asText());
        assertThat(PublicKeys.fromVerificationMethod("Multikey", pair.multikey())).isEqualTo(pair.publicKey());
    }

    @ParameterizedTest
    @EnumSource(Curve.class)
    void signaturesAreLowSAndVerify(Curve curve) {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(curve, "seed".getBytes(StandardCharsets.UTF_8));
        BigInteger half = curve.halfOrder();
        for (int i = 0; i < 64; i++) {
            byte[] data = ("message " + i).getBytes(StandardCharsets.UTF_8);
            byte[] sig = pair.sign(data);
            assertThat(sig).hasSize(64);
            assertThat(new BigInteger(1, Arrays.copyOfRange(sig, 32, 64))).isLessThanOrEqualTo(half);
            assertThat(pair.publicKey().verify(data, sig)).isTrue();
            assertThat(pair.publicKey().verify(("other " + i).getBytes(StandardCharsets.UTF_8), sig)).isFalse();
            assertThat(pair.publicKey().verify(data, highS(curve, sig))).isFalse();
        }
    }

    @Test
    void generationIsDeterministicPerSeedAndCurve() {
        byte[] seed = {1, 2, 3};
        assertThat(AtprotoKeyPair.generate(Curve.K256, seed).didKey())
                .isEqualTo(AtprotoKeyPair.generate(Curve.K256, seed).didKey())
                .isNotEqualTo(AtprotoKeyPair.generate(Curve.K256, new byte[] {1, 2, 4}).didKey())
                .startsWith("did:key:zQ3s");
        assertThat(AtprotoKeyPair.generate(Curve.P256, seed).didKey()).startsWith("did:key:zDna");
    }

    @Test
    void legacyUncompressedPointsAreAccepted() {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.P256, new byte[] {9});
        String legacy = "z" + Base58.encode(pair.publicKey().point().getEncoded(false));
        assertThat(PublicKeys.fromVerificationMethod("EcdsaSecp256r1VerificationKey2019", legacy))
                .isEqualTo(pair.publicKey());
    }

    @Test
    void malformedKeysAreRejected() {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.K256, new byte[] {7});
        byte[] uncompressed = pair.publicKey().point().getEncoded(false);
        uncompressed[64] ^= 1;
        String notOnCurve = "z" + Base58.encode(uncompressed);
        byte[] compressed = pair.publicKey().compressed();
        compressed[0] = 0x05;
        String badPrefix = "z" + Base58.encode(concat(new byte[] {(byte) 0xe7, 1}, compressed));

        assertThatThrownBy(() -> PublicKeys.fromMultikey(badPrefix)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeys.fromDidKey("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"))
                .hasMessageContaining("unsupported key multicodec");
        assertThatThrownBy(() -> PublicKeys.fromDidKey("did:web:example.com")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeys.fromVerificationMethod("Ed25519VerificationKey2020", pair.multikey()))
                .hasMessageContaining("unsupported verification method type");
        assertThatThrownBy(() -> PublicKeys.fromVerificationMethod("Multikey", "u" + pair.multikey().substring(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeys.fromMultikey("z0OIl")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PublicKeys.fromVerificationMethod("EcdsaSecp256k1VerificationKey2019", notOnCurve))
                .hasMessageContaining("point");
    }

    @Test
    void signaturesOfTheWrongShapeAreRejected() {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.K256, new byte[] {3});
        byte[] data = {1, 2, 3};
        assertThat(pair.publicKey().verify(data, new byte[63])).isFalse();
        assertThat(pair.publicKey().verify(data, new byte[64])).isFalse();
        assertThat(pair.publicKey().verify(data, null)).isFalse();
    }

    @Test
    void base58RoundTripsKeepingLeadingZeros() {
        byte[] data = {0, 0, 1, 2, (byte) 0xff};
        assertThat(Base58.decode(Base58.encode(data))).isEqualTo(data);
        assertThat(Base58.encode(new byte[0])).isEmpty();
        assertThat(Base58.encode("hello world".getBytes(StandardCharsets.UTF_8))).isEqualTo("StV1DL6CwTryKyV");
    }

    private static byte[] highS(Curve curve, byte[] sig) {
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
        byte[] out = sig.clone();
        byte[] high = BigIntegers.asUnsignedByteArray(32, curve.domain().getN().subtract(s));
        System.arraycopy(high, 0, out, 32, 32);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
