package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class DagCborTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<JsonNode> fixtures() {
        return elements("data-model/data-model-fixtures.json");
    }

    static Stream<JsonNode> validRecords() {
        return elements("data-model/data-model-valid.json");
    }

    static Stream<JsonNode> invalidRecords() {
        return elements("data-model/data-model-invalid.json");
    }

    private static Stream<JsonNode> elements(String path) {
        return StreamSupport.stream(InteropVectors.json(path).spliterator(), false);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void fixturesRoundTripJsonCborAndCid(JsonNode fixture) {
        byte[] expectedCbor = Base64.getDecoder().decode(fixture.get("cbor_base64").asText());
        byte[] cbor = DagCborEncoder.encodeRecord(fixture.get("json"));
        assertThat(HexFormat.of().formatHex(cbor)).isEqualTo(HexFormat.of().formatHex(expectedCbor));
        assertThat(Cid.ofDagCbor(cbor).toString()).isEqualTo(fixture.get("cid").asText());
        assertThat(DagCborDecoder.decode(expectedCbor)).isEqualTo(fixture.get("json"));
    }

    @ParameterizedTest
    @MethodSource("validRecords")
    void validRecordsEncodeAndDecodeBack(JsonNode vector) {
        byte[] cbor = DagCborEncoder.encodeRecord(vector.get("json"));
        JsonNode decoded = DagCborDecoder.decode(cbor);
        assertThat(DagCborEncoder.encodeRecord(decoded)).isEqualTo(cbor);
    }

    @ParameterizedTest
    @MethodSource("invalidRecords")
    void invalidRecordsAreRejected(JsonNode vector) {
        assertThatThrownBy(() -> DagCborEncoder.encodeRecord(vector.get("json")))
                .as(vector.get("note").asText())
                .isInstanceOf(DagCborException.class);
    }

    @Test
    void mapKeysAreSortedLengthFirstThenBytewise() throws Exception {
        byte[] cbor = DagCborEncoder.encode(JSON.readTree("{\"bb\":1,\"a\":2,\"c\":3,\"aaa\":4}"));
        assertThat(HexFormat.of().formatHex(cbor)).isEqualTo("a4" + "616102" + "616303" + "62626201" + "63616161" + "04");
    }

    @Test
    void integersUseShortestForms() throws Exception {
        JsonNode values = JSON.readTree("[0, 23, 24, 255, 256, 65536, 4294967296, -1, -25, -9223372036854775808]");
        assertThat(HexFormat.of().formatHex(DagCborEncoder.encode(values))).isEqualTo(
                "8a" + "00" + "17" + "1818" + "18ff" + "190100" + "1a00010000" + "1b0000000100000000"
                        + "20" + "3818" + "3b7fffffffffffffff");
        assertThat(DagCborDecoder.decode(DagCborEncoder.encode(values))).isEqualTo(values);
    }

    @Test
    void bytesDecodeToUnpaddedBase64AndAcceptPaddedInput() throws Exception {
        byte[] cbor = DagCborEncoder.encode(JSON.readTree("{\"b\":{\"$bytes\":\"AQI=\"}}"));
        assertThat(DagCborDecoder.decode(cbor).toString()).isEqualTo("{\"b\":{\"$bytes\":\"AQI\"}}");
    }

    @ParameterizedTest(name = "[{index}] hex {0}")
    @ValueSource(strings = {
        "a1616101ff",       // trailing byte
        "bf616101ff",       // indefinite map
        "9f01ff",           // indefinite array
        "5f4101ff",         // indefinite bytes
        "a1616101616102",   // wrong count: extra pair is trailing data
        "a201616101",       // non-string key
        "a2616101616102",   // duplicate key
        "f93c00",           // half float
        "fb3ff0000000000000", // double
        "f7",               // undefined
        "f0",               // simple value
        "c11a514b67b0",     // tag 1
        "d82a4101",         // tag 42 without 0x00 prefix
        "d82a6161",         // tag 42 over text
        "1c",               // reserved additional info
        "3bffffffffffffffff", // below int64
        "1bffffffffffffffff", // above int64
        "62c328",           // invalid UTF-8
        "7a7fffffff",       // text length beyond input
        "5b0000000100000000", // bytes length beyond input
        "9b00000000ffffffff", // array count beyond input
        "bb00000000ffffffff", // map count beyond input
        "a1",               // truncated
        "",                 // empty
        "a165246c696e6b6178", // {"$link": "x"} would read back as a link
    })
    void malformedInputIsRejected(String hex) {
        assertThatThrownBy(() -> DagCborDecoder.decode(HexFormat.of().parseHex(hex)))
                .isInstanceOf(DagCborException.class)
                .extracting(e -> ((DagCborException) e).kind())
                .isEqualTo(DagCborException.Kind.MALFORMED);
    }

    @Test
    void deepNestingHitsTheDepthLimit() {
        byte[] deep = new byte[10_000];
        Arrays.fill(deep, (byte) 0x81);
        deep[deep.length - 1] = 0;
        assertThatThrownBy(() -> DagCborDecoder.decode(deep))
                .isInstanceOfSatisfying(DagCborException.class,
                        e -> assertThat(e.kind()).isEqualTo(DagCborException.Kind.LIMIT_EXCEEDED));
    }

    @Test
    void itemAndSizeLimitsAreEnforced() {
        byte[] wide = new byte[1 + 2 + 1000];
        wide[0] = (byte) 0x99;
        wide[1] = 0x03;
        wide[2] = (byte) 0xe8;
        DagCborDecoder.Limits small = new DagCborDecoder.Limits(100_000, 64, 100);
        assertThatThrownBy(() -> DagCborDecoder.decode(wide, 0, wide.length, small))
                .isInstanceOfSatisfying(DagCborException.class,
                        e -> assertThat(e.kind()).isEqualTo(DagCborException.Kind.LIMIT_EXCEEDED));
        DagCborDecoder.Limits tiny = new DagCborDecoder.Limits(10, 64, 100_000);
        assertThatThrownBy(() -> DagCborDecoder.decode(wide, 0, wide.length, tiny))
                .isInstanceOfSatisfying(DagCborException.class,
                        e -> assertThat(e.kind()).isEqualTo(DagCborException.Kind.LIMIT_EXCEEDED));
        assertThat(DagCborDecoder.decode(wide)).hasSize(1000);
    }

    @Test
    void nonCanonicalKeyOrderIsAcceptedOnDecode() {
        JsonNode decoded = DagCborDecoder.decode(HexFormat.of().parseHex("a2616202616101"));
        assertThat(decoded.toString()).isEqualTo("{\"b\":2,\"a\":1}");
    }

    @Test
    void encoderRejectsFloatsLoneSurrogatesAndDeepNesting() throws Exception {
        assertThatThrownBy(() -> DagCborEncoder.encode(JSON.readTree("1.5"))).isInstanceOf(DagCborException.class);
        assertThatThrownBy(() -> DagCborEncoder.encode(JSON.readTree("\"\\ud800\""))).isInstanceOf(DagCborException.class);
        assertThatThrownBy(() -> DagCborEncoder.encode(JSON.readTree("[".repeat(100) + "]".repeat(100))))
                .isInstanceOf(DagCborException.class);
        assertThatThrownBy(() -> DagCborEncoder.encode(JSON.readTree("18446744073709551616")))
                .isInstanceOf(DagCborException.class);
    }
}
