package dev.happyview.protocol.crypto;

import dev.happyview.protocol.multiformats.Varint;
import java.util.Arrays;
import org.bouncycastle.math.ec.ECPoint;

/** Parses atproto public keys from DID document verification methods and {@code did:key} strings. */
public final class PublicKeys {
    public static final String MULTIKEY = "Multikey";
    private static final String DID_KEY_PREFIX = "did:key:";

    private PublicKeys() {}

    /**
     * Parses a verification method's key.
     *
     * @param type {@code Multikey} (multicodec-prefixed compressed point), or the legacy
     *     {@code EcdsaSecp256k1VerificationKey2019} / {@code EcdsaSecp256r1VerificationKey2019}, whose
     *     multibase holds the bare SEC1 point (compressed or uncompressed) of that curve
     * @param publicKeyMultibase {@code z} + base58btc
     * @throws IllegalArgumentException for an unknown type, bad encoding or a point not on the curve
     */
    public static AtprotoPublicKey fromVerificationMethod(String type, String publicKeyMultibase) {
        if (MULTIKEY.equals(type)) {
            return fromMultikey(publicKeyMultibase);
        }
        for (Curve curve : Curve.values()) {
            if (curve.legacyVerificationMethodType().equals(type)) {
                return fromPoint(curve, base58Multibase(publicKeyMultibase));
            }
        }
        throw new IllegalArgumentException("unsupported verification method type: " + type);
    }

    /** Parses {@code did:key:z…}. */
    public static AtprotoPublicKey fromDidKey(String didKey) {
        if (didKey == null || !didKey.startsWith(DID_KEY_PREFIX)) {
            throw new IllegalArgumentException("not a did:key: " + didKey);
        }
        return fromMultikey(didKey.substring(DID_KEY_PREFIX.length()));
    }

    /** Parses a Multikey value: {@code z} + base58btc(multicodec varint + compressed point). */
    public static AtprotoPublicKey fromMultikey(String multibase) {
        byte[] bytes = base58Multibase(multibase);
        Varint.Decoded codec;
        try {
            codec = Varint.read(bytes, 0, bytes.length);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad multicodec prefix in key: " + e.getMessage(), e);
        }
        byte[] point = Arrays.copyOfRange(bytes, codec.length(), bytes.length);
        for (Curve curve : Curve.values()) {
            if (curve.multicodec() == codec.value()) {
                if (point.length != 33) {
                    throw new IllegalArgumentException("Multikey must hold a 33-byte compressed point");
                }
                return fromPoint(curve, point);
            }
        }
        throw new IllegalArgumentException("unsupported key multicodec 0x" + Long.toHexString(codec.value()));
    }

    /** A key from a SEC1 point encoding (33 bytes compressed or 65 uncompressed). */
    public static AtprotoPublicKey fromPoint(Curve curve, byte[] sec1) {
        if (sec1.length != 33 && sec1.length != 65) {
            throw new IllegalArgumentException("EC point must be 33 or 65 bytes, got " + sec1.length);
        }
        ECPoint point;
        try {
            point = curve.domain().getCurve().decodePoint(sec1);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid " + curve + " point: " + e.getMessage(), e);
        }
        if (point.isInfinity() || !point.isValid()) {
            throw new IllegalArgumentException("invalid " + curve + " point");
        }
        return AtprotoPublicKey.of(curve, point.normalize());
    }

    private static byte[] base58Multibase(String multibase) {
        if (multibase == null || multibase.length() < 2 || multibase.charAt(0) != 'z') {
            throw new IllegalArgumentException("key must be multibase base58btc ('z' prefix)");
        }
        return Base58.decode(multibase.substring(1));
    }
}
