package dev.happyview.protocol.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * One implementation of the ECDSA check: libsecp256k1 (native, secp256k1 only) or BouncyCastle (both curves).
 * {@link #verify} puts the atproto rules on top of the plain check, the same for every implementation.
 */
public sealed interface EcdsaVerifier permits BouncyCastleEcdsa, Libsecp256k1Ecdsa {
    /** The implementation's name, for logs and benchmarks. */
    String name();

    /**
     * Plain ECDSA over a 32-byte digest: {@code signature} is 64 bytes {@code r‖s}, both in [1, n). A high-S
     * signature is left to the implementation (libsecp256k1 refuses it, BouncyCastle accepts it).
     *
     * @throws IllegalArgumentException for a key of a curve the implementation does not check
     */
    boolean verifyDigest(AtprotoPublicKey key, byte[] digest, byte[] signature);

    /**
     * The atproto check: SHA-256 over {@code data}, a 64-byte raw {@code r‖s} signature (DER is refused), and
     * low-S only (a signature with {@code s > n/2} is refused even though plain ECDSA would accept it, so
     * signatures are not malleable).
     */
    default boolean verify(AtprotoPublicKey key, byte[] data, byte[] signature) {
        if (signature == null || signature.length != 64) {
            return false;
        }
        if (new BigInteger(1, signature, 32, 32).compareTo(key.curve().halfOrder()) > 0) {
            return false;
        }
        try {
            return verifyDigest(key, MessageDigest.getInstance("SHA-256").digest(data), signature);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The implementation that checks {@code curve}'s signatures: libsecp256k1 for secp256k1 when it loaded. */
    static EcdsaVerifier forCurve(Curve curve) {
        return switch (curve) {
            case K256 -> Libsecp256k1Ecdsa.loaded().orElse(BouncyCastleEcdsa.INSTANCE);
            case P256 -> BouncyCastleEcdsa.INSTANCE;
        };
    }

    static EcdsaVerifier bouncyCastle() {
        return BouncyCastleEcdsa.INSTANCE;
    }

    /** libsecp256k1, if its native library loaded on this machine (tried once; the outcome is logged). */
    static Optional<EcdsaVerifier> libsecp256k1() {
        return Libsecp256k1Ecdsa.loaded();
    }
}
