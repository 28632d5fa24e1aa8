package dev.happyview.protocol.syntax;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every line of the interop syntax vectors: valid ones parse, invalid ones are rejected. */
class SyntaxVectorsTest {
    static final Path DIR = Path.of("src/test/resources/interop/syntax");

    static Stream<Arguments> vectors() {
        return Stream.of(
                Arguments.of("did", (Predicate<String>) Did::isValid),
                Arguments.of("nsid", (Predicate<String>) Nsid::isValid),
                Arguments.of("handle", (Predicate<String>) Handle::isValid),
                Arguments.of("recordkey", (Predicate<String>) RecordKey::isValid),
                Arguments.of("tid", (Predicate<String>) Tid::isValid),
                Arguments.of("cid", (Predicate<String>) CidSyntax::isValid),
                Arguments.of("aturi", (Predicate<String>) AtUri::isValid));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void validLinesParseAndInvalidLinesAreRejected(String kind, Predicate<String> check) throws Exception {
        List<String> valid = lines(kind + "_syntax_valid.txt");
        List<String> invalid = lines(kind + "_syntax_invalid.txt");
        assertThat(valid).isNotEmpty();
        assertThat(invalid).isNotEmpty();
        for (String s : valid) assertThat(check.test(s)).as("valid %s: [%s]", kind, s).isTrue();
        for (String s : invalid) assertThat(check.test(s)).as("invalid %s: [%s]", kind, s).isFalse();
    }

    static List<String> lines(String file) throws Exception {
        return Files.readAllLines(DIR.resolve(file)).stream()
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }
}
