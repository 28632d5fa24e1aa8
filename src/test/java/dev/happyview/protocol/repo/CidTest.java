package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.happyview.protocol.multiformats.Varint;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CidTest {
    @Test
    void stringAndBinaryFormsRoundTrip() {
        String s = "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a";
        Cid cid = Cid.parse(s);
        assertThat(cid.toString()).isEqualTo(s);
        assertThat(cid.codec()).isEqualTo(Cid.DAG_CBOR);
        assertThat(cid.isSha256()).isTrue();
        assertThat(cid.length()).isEqualTo(36);
        assertThat(Cid.fromBytes(cid.toBytes())).isEqualTo(cid).hasSameHashCodeAs(cid);
    }

    @Test
    void rawCidsUseTheBafkreiPrefix() {
        Cid cid = Cid.parse("bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity");
        assertThat(cid.codec()).isEqualTo(Cid.RAW);
        assertThat(Cid.ofRaw("hello".getBytes(StandardCharsets.UTF_8)).toString()).startsWith("bafkrei");
    }

    @Test
    void ofDagCborHashesTheBlock() {
        byte[] block = {(byte) 0xa0};
        Cid cid = Cid.ofDagCbor(block);
        assertThat(cid.toString()).startsWith("bafyrei");
        assertThat(cid.matches(block, 0, 1)).isTrue();
        assertThat(cid.matches(new byte[] {(byte) 0xa1}, 0, 1)).isFalse();
        assertThat(cid.digest()).isEqualTo(Cid.sha256().digest(block));
    }

    @Test
    void readReportsTheLengthOfAPrefix() {
        Cid cid = Cid.ofDagCbor(new byte[] {1, 2, 3});
        byte[] buf = new byte[cid.length() + 5];
        cid.copyTo(buf, 0);
        assertThat(Cid.read(buf, 0, buf.length)).isEqualTo(cid);
        assertThatThrownBy(() -> Cid.fromBytes(buf)).hasMessageContaining("trailing");
    }

    @Test
    void rejectsMalformedInput() {
        assertThatThrownBy(() -> Cid.parse("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cid.parse("bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cid.parse("BAFYREIDFAYVFUWQA7QLNOPDJIQRXZS6BLMOEU4RUJCJTNCI5BELUDIRZ2A"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cid.parse(".")).isInstanceOf(IllegalArgumentException.class);
        // sha2-256 with a short digest
        assertThatThrownBy(() -> Cid.fromBytes(HexFormat.of().parseHex("0171121000112233445566778899aabbccddeeff")))
                .isInstanceOf(IllegalArgumentException.class);
        // non-minimal varint codec
        assertThatThrownBy(() -> Cid.fromBytes(HexFormat.of().parseHex("01f1001220" + "00".repeat(32))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void varintsRoundTripAndRejectNonMinimalForms() {
        for (long v : new long[] {0, 1, 127, 128, 300, 0x71, 0xe7, 1L << 40, Long.MAX_VALUE}) {
            byte[] enc = Varint.encode(v);
            assertThat(enc).hasSize(Varint.size(v));
            assertThat(Varint.read(enc, 0, enc.length)).isEqualTo(new Varint.Decoded(v, enc.length));
        }
        assertThatThrownBy(() -> Varint.read(new byte[] {(byte) 0x80, 0}, 0, 2)).hasMessageContaining("non-minimal");
        assertThatThrownBy(() -> Varint.read(new byte[] {(byte) 0x80}, 0, 1)).hasMessageContaining("truncated");
    }
}
