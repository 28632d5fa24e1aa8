package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Curve;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CommitTest {
    private static final AtprotoKeyPair KEY = AtprotoKeyPair.generate(Curve.K256, new byte[] {42});
    private static final Cid DATA = Cid.parse("bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm");

    @Test
    void signedCommitRoundTripsAndVerifies() {
        Commit commit = Commit.sign("did:plc:abc", DATA, "3jzfcijpj2z2a", null, KEY);
        byte[] block = commit.encode();
        Commit decoded = Commit.decode(block);
        assertThat(decoded).isEqualTo(commit);
        assertThat(decoded.verifySignature(KEY.publicKey())).isTrue();
        assertThat(decoded.verifySignature(AtprotoKeyPair.generate(Curve.K256, new byte[] {43}).publicKey())).isFalse();
        assertThat(DagCborDecoder.decode(block).has("prev")).isTrue();
    }

    @Test
    void encodingIsCanonicalDagCbor() {
        Commit commit = Commit.sign("did:plc:abc", DATA, "3jzfcijpj2z2a", DATA, KEY);
        byte[] block = commit.encode();
        assertThat(DagCborEncoder.encode(DagCborDecoder.decode(block))).isEqualTo(block);
        var unsigned = (ObjectNode) DagCborDecoder.decode(block);
        unsigned.remove("sig");
        assertThat(DagCborEncoder.encode(unsigned)).isEqualTo(commit.unsignedBytes());
    }

    @Test
    void tamperedFieldsBreakTheSignature() {
        Commit commit = Commit.sign("did:plc:abc", DATA, "3jzfcijpj2z2a", null, KEY);
        Commit other = new Commit("did:plc:abd", 3, DATA, "3jzfcijpj2z2a", null, commit.sig());
        assertThat(other.verifySignature(KEY.publicKey())).isFalse();
    }

    @Test
    void unknownMissingAndMistypedFieldsAreRefused() {
        byte[] extra = new DagCborWriter().mapHeader(7)
                .text("did").text("did:plc:abc").text("rev").text("3jzfcijpj2z2a").text("sig").bytes(new byte[64])
                .text("data").link(DATA).text("prev").nullValue().text("extra").integer(1)
                .text("version").integer(3).toByteArray();
        assertKind(extra, RepoVerificationException.Kind.BAD_COMMIT);
        byte[] noPrev = new DagCborWriter().mapHeader(5)
                .text("did").text("did:plc:abc").text("rev").text("3jzfcijpj2z2a").text("sig").bytes(new byte[64])
                .text("data").link(DATA).text("version").integer(3).toByteArray();
        assertKind(noPrev, RepoVerificationException.Kind.BAD_COMMIT);
        byte[] textData = new DagCborWriter().mapHeader(6)
                .text("did").text("did:plc:abc").text("rev").text("3jzfcijpj2z2a").text("sig").bytes(new byte[64])
                .text("data").text(DATA.toString()).text("prev").nullValue().text("version").integer(3).toByteArray();
        assertKind(textData, RepoVerificationException.Kind.BAD_COMMIT);
        assertKind(HexFormat.of().parseHex("a1"), RepoVerificationException.Kind.MALFORMED_CBOR);
    }

    private static void assertKind(byte[] block, RepoVerificationException.Kind kind) {
        assertThatThrownBy(() -> Commit.decode(block))
                .isInstanceOfSatisfying(RepoVerificationException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }
}
