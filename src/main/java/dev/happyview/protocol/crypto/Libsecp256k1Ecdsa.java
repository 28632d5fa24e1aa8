package dev.happyview.protocol.crypto;

import fr.acinq.secp256k1.Secp256k1;
import fr.acinq.secp256k1.Secp256k1Exception;
import java.lang.reflect.InvocationTargetException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.bouncycastle.util.BigIntegers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * secp256k1 ECDSA on libsecp256k1 (Bitcoin Core's library) through ACINQ's JNI bindings, whose jar carries the
 * native library for Linux x86_64 and aarch64 and extracts it to the temporary directory on first use.
 *
 * <p>libsecp256k1 accepts only low-S signatures, and a 64-byte signature whose r or s is not below n does not
 * parse (the binding throws; that is a failed check here). The key is handed over uncompressed, already
 * validated when it was decoded, so the library only checks it lies on the curve instead of taking a square root.
 */
final class Libsecp256k1Ecdsa implements EcdsaVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(Libsecp256k1Ecdsa.class);

    private final Secp256k1 library;

    private Libsecp256k1Ecdsa(Secp256k1 library) {
        this.library = library;
    }

    /** Loaded once, on first use. */
    private static final class Loaded {
        static final Optional<EcdsaVerifier> VERIFIER = load();
    }

    static Optional<EcdsaVerifier> loaded() {
        return Loaded.VERIFIER;
    }

    @Override
    public String name() {
        return "libsecp256k1";
    }

    @Override
    public boolean verifyDigest(AtprotoPublicKey key, byte[] digest, byte[] signature) {
        if (key.curve() != Curve.K256) {
            throw new IllegalArgumentException("libsecp256k1 checks secp256k1 keys only, not " + key.curve());
        }
        if (signature.length != 64 || digest.length != 32) {
            return false;
        }
        try {
            return library.verify(signature, digest, key.point().getEncoded(false));
        } catch (Secp256k1Exception e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * Loads the native library and checks it on a signature made here (valid, altered, high-S) before trusting it;
     * anything short of that leaves secp256k1 on BouncyCastle.
     */
    private static Optional<EcdsaVerifier> load() {
        try {
            Libsecp256k1Ecdsa verifier = new Libsecp256k1Ecdsa(Secp256k1.get());
            String problem = selfTest(verifier);
            if (problem != null) {
                LOG.warn("secp256k1 signatures are checked with BouncyCastle: libsecp256k1 loaded but {}", problem);
                return Optional.empty();
            }
            LOG.info("secp256k1 signatures are checked with libsecp256k1 (native, {} {})",
                    System.getProperty("os.name"), System.getProperty("os.arch"));
            return Optional.of(verifier);
        } catch (Exception | LinkageError e) {
            Throwable cause = e;
            while ((cause instanceof InvocationTargetException || cause instanceof ExceptionInInitializerError)
                    && cause.getCause() != null) {
                cause = cause.getCause();
            }
            LOG.warn("secp256k1 signatures are checked with BouncyCastle (slower): libsecp256k1 did not load on {} {} ({})",
                    System.getProperty("os.name"), System.getProperty("os.arch"), cause.toString());
            return Optional.empty();
        }
    }

    private static String selfTest(Libsecp256k1Ecdsa verifier) throws NoSuchAlgorithmException {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.K256, "self-test".getBytes(StandardCharsets.UTF_8));
        byte[] data = "a signed commit".getBytes(StandardCharsets.UTF_8);
        byte[] signature = pair.sign(data);
        if (!verifier.verify(pair.publicKey(), data, signature)) {
            return "refused a valid signature";
        }
        if (verifier.verify(pair.publicKey(), "another commit".getBytes(StandardCharsets.UTF_8), signature)) {
            return "accepted a signature of other data";
        }
        byte[] highS = signature.clone();
        BigInteger s = new BigInteger(1, signature, 32, 32);
        BigIntegers.asUnsignedByteArray(Curve.K256.domain().getN().subtract(s), highS, 32, 32);
        if (verifier.verifyDigest(pair.publicKey(), MessageDigest.getInstance("SHA-256").digest(data), highS)) {
            return "accepted a high-S signature";
        }
        return null;
    }
}
