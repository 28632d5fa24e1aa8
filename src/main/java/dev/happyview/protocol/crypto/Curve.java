package dev.happyview.protocol.crypto;

import java.math.BigInteger;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;

/** The two curves atproto signs with, and how each is named in keys and DID documents. */
public enum Curve {
    /** secp256k1 ("k256"), JWT alg ES256K, multicodec 0xe7. */
    K256("secp256k1", 0xe7, "EcdsaSecp256k1VerificationKey2019"),
    /** NIST P-256 ("p256", secp256r1), JWT alg ES256, multicodec 0x1200. */
    P256("secp256r1", 0x1200, "EcdsaSecp256r1VerificationKey2019");

    private final int multicodec;
    private final String legacyVerificationMethodType;
    private final ECDomainParameters domain;
    private final BigInteger halfOrder;

    Curve(String bcName, int multicodec, String legacyVerificationMethodType) {
        X9ECParameters x9 = CustomNamedCurves.getByName(bcName);
        this.multicodec = multicodec;
        this.legacyVerificationMethodType = legacyVerificationMethodType;
        this.domain = new ECDomainParameters(x9.getCurve(), x9.getG(), x9.getN(), x9.getH());
        this.halfOrder = x9.getN().shiftRight(1);
    }

    public int multicodec() {
        return multicodec;
    }

    /** The verification method {@code type} used by older DID documents for this curve. */
    public String legacyVerificationMethodType() {
        return legacyVerificationMethodType;
    }

    ECDomainParameters domain() {
        return domain;
    }

    /** n/2: atproto accepts only signatures with s at or below it ("low-S"). */
    BigInteger halfOrder() {
        return halfOrder;
    }
}
