package dev.happyview.protocol.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written DID and NSID checks accept exactly what the specification's regular expressions accept. */
class SyntaxLoopsTest {
    static final Pattern DID = Pattern.compile("^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$");
    static final Pattern NSID = Pattern.compile(
            "^[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+\\.[a-zA-Z][a-zA-Z0-9]{0,62}$");

    @Test
    void didsAgreeWithTheRegexOnRandomInput() {
        var random = new Random(1);
        String[] stems = {"did:", "did:plc:", "did:web:", "did:a:", "did::", "di", "did:PLC:", ""};
        String alphabet = "abcXYZ09.:_%-/ é";
        for (int i = 0; i < 200_000; i++) {
            String s = stems[random.nextInt(stems.length)] + randomString(random, alphabet, random.nextInt(8));
            assertThat(Did.isValid(s)).as(s).isEqualTo(DID.matcher(s).matches() && s.length() <= 2048);
        }
    }

    @Test
    void nsidsAgreeWithTheRegexOnRandomInput() {
        var random = new Random(2);
        String alphabet = "aZ09-..";
        for (int i = 0; i < 200_000; i++) {
            String s = randomString(random, alphabet, random.nextInt(14));
            assertThat(Nsid.isValid(s)).as(s).isEqualTo(NSID.matcher(s).matches());
        }
        String long63 = "a".repeat(63);
        for (String s : new String[] {long63 + ".b.c", "a" + long63 + ".b.c", "a.b." + long63, "a.b.a" + long63,
                "a.b-.c", "a.-b.c", "a.b.c-d", "a.1b.c", "1a.b.c", "a.b.1c", "a..c", "com.example.fooBar"}) {
            assertThat(Nsid.isValid(s)).as(s).isEqualTo(NSID.matcher(s).matches());
        }
    }

    private static String randomString(Random random, String alphabet, int length) {
        var sb = new StringBuilder();
        for (int i = 0; i < length; i++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        return sb.toString();
    }
}
