package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.happyview.protocol.multiformats.Varint;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CarTest {
    private static final byte[] A = {(byte) 0xa1, 0x61, 0x61, 0x01};
    private static final byte[] B = {(byte) 0x82, 0x01, 0x02};

    @Test
    void writerAndReaderRoundTrip() throws IOException {
        Cid a = Cid.ofDagCbor(A);
        Cid b = Cid.ofRaw(B);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CarWriter writer = new CarWriter(out, List.of(a, b));
        writer.write(b, B);
        writer.write(a, A);
        writer.write(a, A);
        CarReader reader = new CarReader(new ByteArrayInputStream(out.toByteArray()));
        assertThat(reader.roots()).containsExactly(a, b);
        assertThat(reader.next()).satisfies(blk -> {
            assertThat(blk.cid()).isEqualTo(b);
            assertThat(blk.data()).isEqualTo(B);
        });
        assertThat(reader.next().cid()).isEqualTo(a);
        assertThat(reader.next().data()).isEqualTo(A);
        assertThat(reader.next()).isNull();
        assertThat(reader.bytesRead()).isEqualTo(out.size());
    }

    @Test
    void blockStoreFindsEveryBlockAndNothingElse() throws IOException {
        Cid a = Cid.ofDagCbor(A);
        byte[] car = CarWriter.toBytes(a, Map.of(a, A));
        try (CarBlockStore store = CarBlockStore.read(new ByteArrayInputStream(car), CarBlockStore.Options.DEFAULT)) {
            assertThat(store.get(a)).isEqualTo(A);
            assertThat(store.contains(a)).isTrue();
            assertThat(store.get(Cid.ofDagCbor(B))).isNull();
            // same digest, other codec: a different CID
            assertThat(store.get(Cid.fromDigest(Cid.RAW, a.digest()))).isNull();
        }
    }

    @Test
    void blocksWithoutSha256AreRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new CarWriter(out, List.of(Cid.ofDagCbor(A)));
        // CIDv1, dag-cbor, identity multihash (0x00) of the 4 bytes
        byte[] identity = HexFormat.of().parseHex("0171000" + "4" + "a1616101");
        out.write(Varint.encode(identity.length + A.length));
        out.write(identity);
        out.write(A);
        assertKind(out.toByteArray(), RepoVerificationException.Kind.MALFORMED_CAR);
    }

    @Test
    void cidV0SectionsAreRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new CarWriter(out, List.of(Cid.ofDagCbor(A)));
        byte[] v0 = new byte[34];
        v0[0] = 0x12;
        v0[1] = 0x20;
        out.write(Varint.encode(v0.length + A.length));
        out.write(v0);
        out.write(A);
        assertKind(out.toByteArray(), RepoVerificationException.Kind.MALFORMED_CAR);
    }

    @Test
    void oversizedHeaderIsALimit() {
        byte[] car = Varint.encode(1 << 20);
        assertThatThrownBy(() -> new CarReader(new ByteArrayInputStream(car)))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.LIMIT_EXCEEDED));
    }

    private static void assertKind(byte[] car, RepoVerificationException.Kind kind) {
        assertThatThrownBy(() -> {
            CarReader reader = new CarReader(new ByteArrayInputStream(car));
            while (reader.next() != null) {
                // drain
            }
        }).isInstanceOfSatisfying(RepoVerificationException.class, e -> assertThat(e.kind()).isEqualTo(kind));
    }
}
