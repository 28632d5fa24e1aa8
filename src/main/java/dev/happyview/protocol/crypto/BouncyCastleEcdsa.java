package dev.happyview.protocol.crypto;

import java.math.BigInteger;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;

/** ECDSA on BouncyCastle, for both curves: P-256 always, secp256k1 where libsecp256k1 cannot load. */
final class BouncyCastleEcdsa implements EcdsaVerifier {
    static final BouncyCastleEcdsa INSTANCE = new BouncyCastleEcdsa();

    private BouncyCastleEcdsa() {}

    @Override
    public String name() {
        return "BouncyCastle";
    }

    @Override
    public boolean verifyDigest(AtprotoPublicKey key, byte[] digest, byte[] signature) {
        if (signature.length != 64) {
            return false;
        }
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, new ECPublicKeyParameters(key.point(), key.curve().domain()));
        return verifier.verifySignature(digest, new BigInteger(1, signature, 0, 32), new BigInteger(1, signature, 32, 32));
    }

    @Override
    public String toString() {
        return name();
    }
}
