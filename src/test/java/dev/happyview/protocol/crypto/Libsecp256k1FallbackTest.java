package dev.happyview.protocol.crypto;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.util.BigIntegers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the native library cannot load (another OS or architecture, a temporary directory it cannot be extracted
 * to), secp256k1 signatures are still checked, with BouncyCastle, and the log says why. Each case runs in a fresh
 * JVM, since the choice is made once per process.
 */
class Libsecp256k1FallbackTest {
    private static final String FALLBACK = "in use: BouncyCastle, valid true, high-S false, other data false";

    /** Run in the child JVM: the implementation in use and its answers to a valid, a high-S and a misused signature. */
    public static void main(String[] args) {
        AtprotoKeyPair pair = AtprotoKeyPair.generate(Curve.K256, new byte[] {1, 2, 3});
        byte[] data = "commit".getBytes(StandardCharsets.UTF_8);
        byte[] signature = pair.sign(data);
        byte[] highS = signature.clone();
        BigInteger s = new BigInteger(1, signature, 32, 32);
        BigIntegers.asUnsignedByteArray(Curve.K256.domain().getN().subtract(s), highS, 32, 32);
        AtprotoPublicKey key = pair.publicKey();
        System.out.println("in use: " + EcdsaVerifier.forCurve(Curve.K256).name()
                + ", valid " + key.verify(data, signature)
                + ", high-S " + key.verify(data, highS)
                + ", other data " + key.verify("other".getBytes(StandardCharsets.UTF_8), signature));
    }

    @Test
    void anotherArchitectureFallsBackToBouncyCastle() throws Exception {
        assertThat(probe("-Dos.arch=riscv64")).contains(FALLBACK).contains("WARN")
                .contains("libsecp256k1 did not load on Linux riscv64").contains("No native library found");
    }

    @Test
    void aLibraryThatCannotBeExtractedFallsBackToBouncyCastle(@TempDir Path dir) throws Exception {
        assertThat(probe("-Dfr.acinq.secp256k1.tmpdir=" + dir.resolve("missing"))).contains(FALLBACK)
                .contains("libsecp256k1 did not load on Linux").contains("UnsatisfiedLinkError");
    }

    private static String probe(String property) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", property,
                "-cp", System.getProperty("java.class.path"), Libsecp256k1FallbackTest.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
