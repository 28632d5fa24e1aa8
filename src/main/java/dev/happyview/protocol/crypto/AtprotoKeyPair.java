package dev.happyview.protocol.crypto;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.util.BigIntegers;

/**
 * A signing key, for the simulated network and tests: deterministic from a seed, signing with RFC 6979
 * nonces and always emitting low-S raw {@code r‖s} signatures as atproto requires.
 */
public final class AtprotoKeyPair {
    private final Curve curve;
    private final BigInteger privateScalar;
    private final AtprotoPublicKey publicKey;

    private AtprotoKeyPair(Curve curve, BigInteger privateScalar) {
        this.curve = curve;
        this.privateScalar = privateScalar;
        this.publicKey = AtprotoPublicKey.of(curve, curve.domain().getG().multiply(privateScalar).normalize());
    }

    /** Derives a key from arbitrary seed bytes: the same seed always gives the same key. */
    public static AtprotoKeyPair generate(Curve curve, byte[] seed) {
        BigInteger n = curve.domain().getN();
        for (int counter = 0; ; counter++) {
            MessageDigest sha = sha256();
            sha.update(seed);
            sha.update(ByteBuffer.allocate(4).putInt(counter).array());
            BigInteger d = new BigInteger(1, sha.digest());
            if (d.signum() > 0 && d.compareTo(n) < 0) {
                return new AtprotoKeyPair(curve, d);
            }
        }
    }

    /** A key from its 32-byte big-endian private scalar. */
    public static AtprotoKeyPair fromPrivateKey(Curve curve, byte[] privateKey) {
        BigInteger d = new BigInteger(1, privateKey);
        if (privateKey.length != 32 || d.signum() == 0 || d.compareTo(curve.domain().getN()) >= 0) {
            throw new IllegalArgumentException("private key must be 32 bytes in [1, n)");
        }
        return new AtprotoKeyPair(curve, d);
    }

    public Curve curve() {
        return curve;
    }

    public AtprotoPublicKey publicKey() {
        return publicKey;
    }

    /** SHA-256 over {@code data}, then ECDSA; returns 64 bytes {@code r‖s} with s normalised to low-S. */
    public byte[] sign(byte[] data) {
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, new ECPrivateKeyParameters(privateScalar, curve.domain()));
        BigInteger[] rs = signer.generateSignature(sha256().digest(data));
        BigInteger s = rs[1];
        if (s.compareTo(curve.halfOrder()) > 0) {
            s = curve.domain().getN().subtract(s);
        }
        byte[] sig = new byte[64];
        BigIntegers.asUnsignedByteArray(rs[0], sig, 0, 32);
        BigIntegers.asUnsignedByteArray(s, sig, 32, 32);
        return sig;
    }

    public String multikey() {
        return publicKey.multikey();
    }

    public String didKey() {
        return publicKey.didKey();
    }

    @Override
    public String toString() {
        return "AtprotoKeyPair[" + publicKey.didKey() + "]";
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
