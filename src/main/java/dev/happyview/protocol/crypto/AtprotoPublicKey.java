package dev.happyview.protocol.crypto;

import dev.happyview.protocol.multiformats.Varint;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An atproto signing public key (a validated point on one of the two curves).
 *
 * <p>{@link #verify} implements the atproto rules: SHA-256 over the data, a 64-byte raw {@code r‖s}
 * signature (DER is refused), and low-S only (a signature with {@code s > n/2} is refused even though
 * plain ECDSA would accept it, so signatures are not malleable).
 */
public sealed interface AtprotoPublicKey permits AtprotoPublicKey.K256, AtprotoPublicKey.P256 {
    ECPoint point();

    Curve curve();

    static AtprotoPublicKey of(Curve curve, ECPoint point) {
        return switch (curve) {
            case K256 -> new K256(point);
            case P256 -> new P256(point);
        };
    }

    /** The 33-byte SEC1 compressed point. */
    default byte[] compressed() {
        return point().getEncoded(true);
    }

    default boolean verify(byte[] data, byte[] signature) {
        if (signature == null || signature.length != 64) {
            return false;
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, 32));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, 32, 64));
        if (s.compareTo(curve().halfOrder()) > 0) {
            return false;
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(point(), curve().domain()));
        return verifier.verifySignature(sha256(data), r, s);
    }

    /** {@code z} + base58btc(multicodec varint + compressed point): the DID document Multikey form. */
    default String multikey() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(40);
        Varint.write(out, curve().multicodec());
        out.writeBytes(compressed());
        return "z" + Base58.encode(out.toByteArray());
    }

    default String didKey() {
        return "did:key:" + multikey();
    }

    /** secp256k1 key. */
    record K256(ECPoint point) implements AtprotoPublicKey {
        @Override
        public Curve curve() {
            return Curve.K256;
        }

        @Override
        public String toString() {
            return didKey();
        }
    }

    /** NIST P-256 key. */
    record P256(ECPoint point) implements AtprotoPublicKey {
        @Override
        public Curve curve() {
            return Curve.P256;
        }

        @Override
        public String toString() {
            return didKey();
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
