package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.crypto.AtprotoKeyPair;
import dev.happyview.protocol.crypto.Curve;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Mutated inputs must fail with our typed exceptions only, never with an index error or a hang. */
class FuzzTest {
    private static final int ROUNDS = 3000;

    @Test
    void mutatedDagCborFailsCleanly() {
        List<byte[]> seeds = new ArrayList<>();
        for (JsonNode f : InteropVectors.json("data-model/data-model-fixtures.json")) {
            seeds.add(Base64.getDecoder().decode(f.get("cbor_base64").asText()));
        }
        Random random = new Random(1);
        for (int i = 0; i < ROUNDS * 3; i++) {
            byte[] input = mutate(seeds.get(i % seeds.size()), random);
            try {
                JsonNode value = DagCborDecoder.decode(input);
                // whatever decodes must be encodable again
                assertThat(DagCborEncoder.encode(value)).isNotNull();
            } catch (DagCborException expected) {
                // fine
            }
        }
    }

    @Test
    void mutatedMstNodesAndCommitsFailCleanly() {
        MemoryBlockStore store = new MemoryBlockStore();
        TreeMap<String, Cid> entries = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            entries.put("app.bsky.feed.post/" + RepoVerifierTest.tid(i), Cid.ofDagCbor(new byte[] {(byte) i}));
        }
        MstBuilder.build(entries, store);
        byte[] commit = Commit.sign("did:plc:x", entries.firstEntry().getValue(), TestRepo.REV, null,
                AtprotoKeyPair.generate(Curve.P256, new byte[] {1})).encode();
        List<byte[]> nodes = new ArrayList<>(store.blocks().values());
        Random random = new Random(2);
        for (int i = 0; i < ROUNDS; i++) {
            try {
                MstNode.decode(mutate(nodes.get(i % nodes.size()), random));
            } catch (DagCborException | RepoVerificationException expected) {
                // fine
            }
            try {
                Commit.decode(mutate(commit, random));
            } catch (RepoVerificationException expected) {
                // fine
            }
        }
    }

    @Test
    void mutatedCarsFailCleanly() {
        AtprotoKeyPair key = AtprotoKeyPair.generate(Curve.K256, new byte[] {5});
        TestRepo repo = TestRepo.build("did:plc:fuzz", key, RepoVerifierTest.records(30));
        byte[] car = repo.car();
        Random random = new Random(3);
        int unchanged = 0;
        var verifiedAltered = new ArrayList<String>();
        for (int i = 0; i < ROUNDS / 3; i++) {
            byte[] input = mutate(car, random);
            boolean same = Arrays.equals(input, car);
            if (same) unchanged++;
            try {
                new RepoVerifier().verify(new ByteArrayInputStream(input), "did:plc:fuzz", key.publicKey(), c -> true, r -> { });
                if (!same) verifiedAltered.add("round " + i + ": " + firstDifference(car, input));
            } catch (RepoVerificationException expected) {
                assertThat(same).as("round %d: the unaltered CAR must verify (%s)", i, expected.getMessage()).isFalse();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        // Every byte of a CAR is checked (header, lengths, CIDs, hashed blocks): only a mutation that changed nothing
        // (a byte overwritten with its own value) may still verify.
        System.out.printf("fuzzed CARs: %d of %d mutations left the bytes unchanged%n", unchanged, ROUNDS / 3);
        assertThat(verifiedAltered).as("altered CARs that verified").isEmpty();
    }

    private static String firstDifference(byte[] original, byte[] altered) {
        int n = Math.min(original.length, altered.length);
        for (int i = 0; i < n; i++) {
            if (original[i] != altered[i]) return "byte " + i + " of " + original.length + " changed";
        }
        return "length " + original.length + " → " + altered.length;
    }

    private static byte[] mutate(byte[] seed, Random random) {
        byte[] out = seed.clone();
        switch (random.nextInt(4)) {
            case 0 -> out[random.nextInt(out.length)] = (byte) random.nextInt(256);
            case 1 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
            case 2 -> out = Arrays.copyOf(out, random.nextInt(out.length));
            default -> {
                int at = random.nextInt(out.length);
                byte[] longer = Arrays.copyOf(out, out.length + 1);
                System.arraycopy(out, at, longer, at + 1, out.length - at);
                longer[at] = (byte) random.nextInt(256);
                out = longer;
            }
        }
        return out;
    }
}
