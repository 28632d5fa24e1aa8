package dev.happyview.protocol.crypto;

import dev.happyview.protocol.multiformats.Varint;
import java.io.ByteArrayOutputStream;
import org.bouncycastle.math.ec.ECPoint;

/**
 * An atproto signing public key (a validated point on one of the two curves). {@link #verify} applies the
 * atproto rules: SHA-256 over the data, a 64-byte raw {@code r‖s} signature, low-S only.
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

    /** The atproto signature check ({@link EcdsaVerifier#verify}) with this curve's implementation. */
    default boolean verify(byte[] data, byte[] signature) {
        return EcdsaVerifier.forCurve(curve()).verify(this, data, signature);
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

}
