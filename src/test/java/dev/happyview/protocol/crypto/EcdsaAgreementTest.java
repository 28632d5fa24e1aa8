package dev.happyview.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.repo.InteropVectors;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * libsecp256k1 and BouncyCastle give the same answer to every secp256k1 check: the interop vectors, and thousands
 * of random signatures, valid and broken in each way a hostile commit could be.
 */
class EcdsaAgreementTest {
    private static final int RANDOM_KEYS = 48;
    private static final int RANDOM_SIGNATURES = 1_000;
    private static final BigInteger N = Curve.K256.domain().getN();

    static EcdsaVerifier lib;
    static final EcdsaVerifier BC = EcdsaVerifier.bouncyCastle();

    @BeforeAll
    static void loadLibsecp256k1() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        boolean bundled = os.equals("Linux") && List.of("amd64", "x86_64", "aarch64").contains(arch);
        if (bundled) {
            assertThat(EcdsaVerifier.libsecp256k1()).as("libsecp256k1 ships for %s %s", os, arch).isPresent();
        }
        assumeTrue(EcdsaVerifier.libsecp256k1().isPresent(), "libsecp256k1 does not load on " + os + " " + arch);
        lib = EcdsaVerifier.libsecp256k1().orElseThrow();
    }

    static Stream<JsonNode> signatureFixtures() {
        return StreamSupport.stream(InteropVectors.json("crypto/signature-fixtures.json").spliterator(), false);
    }

    @Test
    void secp256k1KeysUseLibsecp256k1AndP256KeysBouncyCastle() {
        assertThat(EcdsaVerifier.forCurve(Curve.K256)).isSameAs(lib);
        assertThat(EcdsaVerifier.forCurve(Curve.P256)).isSameAs(BC);
    }

    @ParameterizedTest
    @MethodSource("signatureFixtures")
    void interopSignatureFixturesGetTheSameAnswerFromBoth(JsonNode fixture) {
        byte[] message = Base64.getDecoder().decode(fixture.get("messageBase64").asText());
        byte[] signature = Base64.getDecoder().decode(fixture.get("signatureBase64").asText());
        boolean expected = fixture.get("validSignature").asBoolean();
        AtprotoPublicKey key = PublicKeys.fromDidKey(fixture.get("publicKeyDid").asText());
        AtprotoPublicKey legacy = PublicKeys.fromVerificationMethod(
                fixture.get("didDocSuite").asText(), fixture.get("publicKeyMultibase").asText());

        for (AtprotoPublicKey k : List.of(key, legacy, uncompressed(key))) {
            assertThat(BC.verify(k, message, signature)).as(fixture.get("comment").asText()).isEqualTo(expected);
            assertThat(k.verify(message, signature)).isEqualTo(expected);
            if (k.curve() == Curve.K256) {
                assertThat(lib.verify(k, message, signature)).as(fixture.get("comment").asText()).isEqualTo(expected);
            }
        }
    }

    @Test
    void libsecp256k1RefusesHighSByItselfWhereBouncyCastleNeedsTheAtprotoRule() throws Exception {
        JsonNode highS = signatureFixtures()
                .filter(f -> f.get("algorithm").asText().equals("ES256K"))
                .filter(f -> f.get("comment").asText().contains("non-low-S"))
                .findFirst().orElseThrow();
        AtprotoPublicKey key = PublicKeys.fromDidKey(highS.get("publicKeyDid").asText());
        byte[] digest = sha256(Base64.getDecoder().decode(highS.get("messageBase64").asText()));
        byte[] signature = Base64.getDecoder().decode(highS.get("signatureBase64").asText());

        assertThat(new BigInteger(1, signature, 32, 32)).isGreaterThan(Curve.K256.halfOrder());
        assertThat(BC.verifyDigest(key, digest, signature)).as("plain ECDSA accepts the high-S form").isTrue();
        assertThat(lib.verifyDigest(key, digest, signature)).as("libsecp256k1 takes only low-S").isFalse();
        assertThat(lib.verifyDigest(key, digest, lowS(signature))).isTrue();
    }

    @Test
    void w3cPrivateKeysSignWhatBothVerify() {
        for (JsonNode vector : InteropVectors.json("crypto/w3c_didkey_K256.json")) {
            AtprotoKeyPair pair = AtprotoKeyPair.fromPrivateKey(Curve.K256,
                    HexFormat.of().parseHex(vector.get("privateKeyBytesHex").asText()));
            byte[] data = vector.get("publicDidKey").asText().getBytes(StandardCharsets.UTF_8);
            byte[] signature = pair.sign(data);
            assertThat(lib.verify(pair.publicKey(), data, signature)).isTrue();
            assertThat(BC.verify(pair.publicKey(), data, signature)).isTrue();
            assertThat(lib.verify(pair.publicKey(), data, highS(signature))).isFalse();
            assertThat(BC.verify(pair.publicKey(), data, highS(signature))).isFalse();
        }
    }

    /**
     * Random data signed by one of a few dozen keys (a key is costly to derive), each signature also broken four
     * ways: a bit of the signature, a bit of the data, high-S, another key. Half the keys come decoded from their
     * uncompressed form.
     */
    @Test
    void randomSignaturesValidAndBrokenGetTheSameAnswerFromBoth() {
        Random random = new Random(20261205);
        List<AtprotoKeyPair> pairs = new ArrayList<>();
        List<AtprotoPublicKey> keys = new ArrayList<>();
        for (int k = 0; k < RANDOM_KEYS; k++) {
            byte[] seed = ByteBuffer.allocate(8).putLong(random.nextLong()).array();
            AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.K256, seed);
            pairs.add(pair);
            keys.add(k % 2 == 0 ? pair.publicKey() : uncompressed(pair.publicKey()));
        }
        for (int i = 0; i < RANDOM_SIGNATURES; i++) {
            int k = random.nextInt(RANDOM_KEYS);
            byte[] data = new byte[random.nextInt(400)];
            random.nextBytes(data);
            byte[] signature = pairs.get(k).sign(data);
            byte[] flippedSignature = signature.clone();
            flippedSignature[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
            byte[] flippedData = data.length == 0 ? new byte[] {0} : data.clone();
            if (data.length > 0) {
                flippedData[random.nextInt(data.length)] ^= (byte) (1 << random.nextInt(8));
            }

            agree(keys.get(k), data, signature, true);
            agree(keys.get(k), data, flippedSignature, false);
            agree(keys.get(k), flippedData, signature, false);
            agree(keys.get(k), data, highS(signature), false);
            agree(keys.get((k + 1 + random.nextInt(RANDOM_KEYS - 1)) % RANDOM_KEYS), data, signature, false);
        }
    }

    @Test
    void outOfRangeAndDegenerateSignaturesAreRefusedByBoth() {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.K256, new byte[] {42});
        byte[] data = {1, 2, 3};
        byte[] signature = pair.sign(data);
        byte[] zeroR = signature.clone();
        System.arraycopy(new byte[32], 0, zeroR, 0, 32);
        byte[] zeroS = signature.clone();
        System.arraycopy(new byte[32], 0, zeroS, 32, 32);
        byte[] rIsN = withR(signature, N);
        byte[] rPlusN = withR(signature, new BigInteger(1, signature, 0, 32).add(N).mod(BigInteger.ONE.shiftLeft(256)));
        byte[] allOnes = new byte[64];
        Arrays.fill(allOnes, (byte) 0xff);
        byte[] sIsHalfOrderPlusOne = signature.clone();
        BigIntegers.asUnsignedByteArray(Curve.K256.halfOrder().add(BigInteger.ONE), sIsHalfOrderPlusOne, 32, 32);

        for (byte[] bad : List.of(zeroR, zeroS, rIsN, rPlusN, allOnes, sIsHalfOrderPlusOne, new byte[64])) {
            agree(pair.publicKey(), data, bad, false);
            assertThat(lib.verifyDigest(pair.publicKey(), sha256(data), bad)).isFalse();
            assertThat(BC.verifyDigest(pair.publicKey(), sha256(data), bad)).isFalse();
        }
        for (byte[] wrongShape : List.of(new byte[0], new byte[63], new byte[65], Arrays.copyOf(signature, 72))) {
            agree(pair.publicKey(), data, wrongShape, false);
        }
        assertThat(lib.verify(pair.publicKey(), data, null)).isFalse();
        assertThat(BC.verify(pair.publicKey(), data, null)).isFalse();
    }

    private static void agree(AtprotoPublicKey key, byte[] data, byte[] signature, boolean expected) {
        assertThat(lib.verify(key, data, signature)).as("libsecp256k1").isEqualTo(expected);
        assertThat(BC.verify(key, data, signature)).as("BouncyCastle").isEqualTo(expected);
    }

    private static AtprotoPublicKey uncompressed(AtprotoPublicKey key) {
        return PublicKeys.fromPoint(key.curve(), key.point().getEncoded(false));
    }

    private static byte[] highS(byte[] signature) {
        byte[] out = signature.clone();
        BigIntegers.asUnsignedByteArray(N.subtract(new BigInteger(1, signature, 32, 32)), out, 32, 32);
        return out;
    }

    private static byte[] lowS(byte[] signature) {
        boolean high = new BigInteger(1, signature, 32, 32).compareTo(Curve.K256.halfOrder()) > 0;
        return high ? highS(signature) : signature;
    }

    private static byte[] withR(byte[] signature, BigInteger r) {
        byte[] out = signature.clone();
        BigIntegers.asUnsignedByteArray(r, out, 0, 32);
        return out;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
