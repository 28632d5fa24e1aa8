package dev.happyview.bench;

import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.Curve;
import dev.happyview.protocol.crypto.EcdsaVerifier;
import dev.happyview.protocol.crypto.PublicKeys;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * {@code happyview bench signatures}: CPU per atproto signature check, one thread, for each curve and
 * implementation, with the key object reused (a DID's key kept between commits, as the firehose does) and with the
 * key decoded from its Multikey for every check (a backfill checks one commit per repo). P-256 is also measured on
 * the JDK's own ECDSA. The cases run in alternating rounds so a change in the machine's speed touches them all.
 */
final class SignatureBenchmark {
    private static final int KEYS = 400;
    private static final int SIGNATURES = 4_000;
    private static final int ROUNDS = 3;

    /** One signed message: the key's index, the data and its signature. */
    private record Signed(int key, byte[] data, byte[] signature) {}

    private record Corpus(List<AtprotoPublicKey> keys, List<String> multikeys, List<PublicKey> jdkKeys,
                          List<Signed> signed) {}

    private SignatureBenchmark() {}

    static void run(PrintStream out) throws GeneralSecurityException {
        Map<Curve, Corpus> corpora = new LinkedHashMap<>();
        for (Curve curve : Curve.values()) {
            corpora.put(curve, corpus(curve));
        }
        Corpus k256 = corpora.get(Curve.K256);
        Corpus p256 = corpora.get(Curve.P256);
        EcdsaVerifier bc = EcdsaVerifier.bouncyCastle();
        Map<String, IntPredicate> cases = new LinkedHashMap<>();
        EcdsaVerifier.libsecp256k1().ifPresent(lib -> {
            cases.put("secp256k1, libsecp256k1, key reused", i -> check(lib, k256, i, false));
            cases.put("secp256k1, libsecp256k1, key decoded per check", i -> check(lib, k256, i, true));
        });
        cases.put("secp256k1, BouncyCastle, key reused", i -> check(bc, k256, i, false));
        cases.put("secp256k1, BouncyCastle, key decoded per check", i -> check(bc, k256, i, true));
        cases.put("P-256, BouncyCastle, key reused", i -> check(bc, p256, i, false));
        cases.put("P-256, BouncyCastle, key decoded per check", i -> check(bc, p256, i, true));
        Signature jdk = Signature.getInstance("SHA256withECDSAinP1363Format");
        cases.put("P-256, JDK (SunEC), key reused", i -> checkJdk(jdk, p256, i));

        Map<String, List<Double>> micros = new LinkedHashMap<>();
        cases.keySet().forEach(name -> micros.put(name, new ArrayList<>()));
        for (int round = 0; round <= ROUNDS; round++) {
            for (Map.Entry<String, IntPredicate> c : cases.entrySet()) {
                double perCheck = cpuMicrosPerCheck(c.getValue());
                if (round > 0) {
                    micros.get(c.getKey()).add(perCheck);
                }
            }
        }
        out.printf("signature checks, one thread, CPU per check over %,d signatures by %d keys, %d rounds (min-max):%n",
                SIGNATURES, KEYS, ROUNDS);
        micros.forEach((name, values) -> out.printf("  %-48s %6.1f-%6.1f µs%n", name,
                values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                values.stream().mapToDouble(Double::doubleValue).max().orElseThrow()));
        out.printf("secp256k1 in use: %s%n", EcdsaVerifier.forCurve(Curve.K256).name());
    }

    private static Corpus corpus(Curve curve) throws GeneralSecurityException {
        List<AtprotoKeyPair> pairs = new ArrayList<>(KEYS);
        List<AtprotoPublicKey> keys = new ArrayList<>(KEYS);
        List<String> multikeys = new ArrayList<>(KEYS);
        List<PublicKey> jdkKeys = new ArrayList<>(KEYS);
        for (int k = 0; k < KEYS; k++) {
            AtprotoKeyPair pair = AtprotoKeyPair.generate(curve, ByteBuffer.allocate(4).putInt(k).array());
            pairs.add(pair);
            keys.add(pair.publicKey());
            multikeys.add(pair.multikey());
            jdkKeys.add(curve == Curve.P256 ? jdkKey(pair.publicKey()) : null);
        }
        List<Signed> signed = new ArrayList<>(SIGNATURES);
        for (int i = 0; i < SIGNATURES; i++) {
            int key = i % KEYS;
            byte[] data = ByteBuffer.allocate(200).putInt(i).array();
            signed.add(new Signed(key, data, pairs.get(key).sign(data)));
        }
        return new Corpus(keys, multikeys, jdkKeys, signed);
    }

    private static boolean check(EcdsaVerifier verifier, Corpus corpus, int i, boolean decode) {
        Signed s = corpus.signed().get(i);
        AtprotoPublicKey key = decode ? PublicKeys.fromMultikey(corpus.multikeys().get(s.key()))
                : corpus.keys().get(s.key());
        return verifier.verify(key, s.data(), s.signature());
    }

    /** The JDK's check has no low-S rule; the signatures here are all low-S, so it answers the same. */
    private static boolean checkJdk(Signature jdk, Corpus corpus, int i) {
        Signed s = corpus.signed().get(i);
        try {
            jdk.initVerify(corpus.jdkKeys().get(s.key()));
            jdk.update(s.data());
            return jdk.verify(s.signature());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PublicKey jdkKey(AtprotoPublicKey key) throws GeneralSecurityException {
        AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
        parameters.init(new ECGenParameterSpec("secp256r1"));
        ECPoint w = new ECPoint(key.point().getAffineXCoord().toBigInteger(),
                key.point().getAffineYCoord().toBigInteger());
        ECParameterSpec p256 = parameters.getParameterSpec(ECParameterSpec.class);
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, p256));
    }

    /** Thread CPU per check over the whole corpus; every check must succeed. */
    private static double cpuMicrosPerCheck(IntPredicate check) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < SIGNATURES; i++) {
            if (!check.test(i)) {
                throw new IllegalStateException("a valid signature did not verify: " + i);
            }
        }
        return (mx.getCurrentThreadCpuTime() - c0) / 1e3 / SIGNATURES;
    }
}
