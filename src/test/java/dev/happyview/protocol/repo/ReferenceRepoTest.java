package dev.happyview.protocol.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.PublicKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Repos written and signed by the reference implementation ({@code @atproto/pds}), captured by
 * {@code scripts/capture-reference-repos.sh} into {@code src/test/resources/reference-pds/}: alice's repo from the
 * interop network (blobs, bytes, links, data-model edges, a NUL, an update and a delete in its history) and one
 * holding the interop record-data vectors. Each codec is checked against the reference, not against its own
 * counterpart: the verifier and decoder against the PDS's CAR and its own {@code listRecords} JSON, the encoder
 * against the PDS's record CIDs, and the MST builder against the PDS's commit.
 */
class ReferenceRepoTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Captured(String did, AtprotoPublicKey key, byte[] car, JsonNode meta) {
        static Captured load(String name) throws IOException {
            JsonNode meta = JSON.readTree(resource(name + ".json"));
            JsonNode method = meta.get("didDoc").get("verificationMethod").get(0);
            AtprotoPublicKey key = PublicKeys.fromVerificationMethod(method.get("type").asText(),
                    method.get("publicKeyMultibase").asText());
            return new Captured(meta.get("did").asText(), key, resource(name + ".car"), meta);
        }

        /** "collection/rkey" → the PDS's listRecords entry. */
        Map<String, JsonNode> listed() {
            var out = new TreeMap<String, JsonNode>();
            String prefix = "at://" + did + "/";
            for (JsonNode r : meta.get("records")) out.put(r.get("uri").asText().substring(prefix.length()), r);
            return out;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "vectors"})
    void theVerifierAcceptsTheReferenceRepoAndDecodesWhatThePdsLists(String name) throws Exception {
        var repo = Captured.load(name);
        var decoded = new HashMap<String, RepoRecord>();
        VerifiedRepo verified = new RepoVerifier().verify(new ByteArrayInputStream(repo.car()), repo.did(), repo.key(),
                c -> true, r -> decoded.put(r.collection() + "/" + r.rkey(), r));
        assertThat(verified.commit().rev()).isEqualTo(repo.meta().get("commit").get("rev").asText());
        Map<String, JsonNode> listed = repo.listed();
        assertThat(listed).hasSizeGreaterThan(25);
        assertThat(decoded.keySet()).isEqualTo(listed.keySet());
        listed.forEach((key, entry) -> {
            RepoRecord record = decoded.get(key);
            assertThat(record.cid().toString()).as(key).isEqualTo(entry.get("cid").asText());
            assertThat(normalized(record.value())).as(key).isEqualTo(normalized(entry.get("value")));
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "vectors"})
    void theEncoderGivesEveryRecordThePdssCid(String name) throws Exception {
        repoRecords(name, (key, entry) -> assertThat(Cid.ofDagCbor(DagCborEncoder.encodeRecord(entry.get("value"))).toString())
                .as(key).isEqualTo(entry.get("cid").asText()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "vectors"})
    void theMstBuilderGivesTheRootThePdsSigned(String name) throws Exception {
        var repo = Captured.load(name);
        var entries = new TreeMap<String, Cid>();
        repo.listed().forEach((key, entry) -> entries.put(key, Cid.parse(entry.get("cid").asText())));
        Commit commit = new RepoVerifier().verify(new ByteArrayInputStream(repo.car()), repo.did(), repo.key(),
                c -> false, r -> { }).commit();
        assertThat(MstBuilder.build(entries, (cid, block) -> { })).isEqualTo(commit.data());
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "vectors"})
    void anotherAccountsKeyDoesNotVerifyTheReferenceCommit(String name) throws Exception {
        var repo = Captured.load(name);
        var other = Captured.load(name.equals("alice") ? "vectors" : "alice");
        assertThatThrownBy(() -> new RepoVerifier().verify(new ByteArrayInputStream(repo.car()), repo.did(), other.key(),
                c -> true, r -> { }))
                .isInstanceOfSatisfying(RepoVerificationException.class,
                        e -> assertThat(e.kind()).isEqualTo(RepoVerificationException.Kind.BAD_SIGNATURE));
    }

    private interface EntryCheck {
        void check(String key, JsonNode entry) throws Exception;
    }

    private static void repoRecords(String name, EntryCheck check) throws Exception {
        for (var e : Captured.load(name).listed().entrySet()) check.check(e.getKey(), e.getValue());
    }

    /** The same JSON value whatever numeric node types the two parsers chose. */
    private static JsonNode normalized(JsonNode node) {
        try {
            return JSON.readTree(JSON.writeValueAsString(node));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String file) throws IOException {
        try (InputStream in = ReferenceRepoTest.class.getResourceAsStream("/reference-pds/" + file)) {
            if (in == null) throw new IOException("missing fixture reference-pds/" + file);
            return in.readAllBytes();
        }
    }
}
