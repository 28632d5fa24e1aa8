package dev.happyview.protocol.repo;

import static dev.happyview.protocol.repo.RepoVerificationException.Kind.BAD_COMMIT;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.BAD_SIGNATURE;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.INVALID_MST;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MALFORMED_CAR;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MALFORMED_CBOR;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.MISSING_BLOCK;
import static dev.happyview.protocol.repo.RepoVerificationException.Kind.WRONG_DID;

import com.fasterxml.jackson.databind.JsonNode;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Verifies a full repo export (the CAR of {@code com.atproto.sync.getRepo}) and streams its records.
 *
 * <p>Steps: every block is hash-checked while the CAR is read into a {@link CarBlockStore} (bounded
 * heap: see there); the first root must be a commit with {@code version} 3, the expected {@code did},
 * a TID {@code rev} and a valid low-S signature; the MST under {@code data} is walked in key order with
 * {@link MstWalker}'s canonical-shape checks; every record block must be present (for every collection,
 * so an incomplete export is refused even when we only want some collections); records of wanted
 * collections are decoded to the JSON data model and handed to the consumer in key order. Anything
 * wrong is a {@link RepoVerificationException} whose kind names the reason.
 *
 * <p>Records reach the consumer only after the commit signature has been checked, but before the walk
 * has finished: a consumer that writes to a database should do so in a transaction it commits only
 * when {@code verify} returns.
 */
public final class RepoVerifier {
    /** Supplies the signing key; asked again with {@code refresh = true} once if the signature fails. */
    @FunctionalInterface
    public interface SigningKeySource {
        AtprotoPublicKey key(boolean refresh) throws IOException;
    }

    private static final Pattern TID = Pattern.compile("^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$");

    private final CarBlockStore.Options storeOptions;
    private final DagCborDecoder.Limits recordLimits;

    public RepoVerifier() {
        this(CarBlockStore.Options.DEFAULT, DagCborDecoder.Limits.DEFAULT);
    }

    public RepoVerifier(CarBlockStore.Options storeOptions, DagCborDecoder.Limits recordLimits) {
        this.storeOptions = storeOptions;
        this.recordLimits = recordLimits;
    }

    public VerifiedRepo verify(InputStream car, String expectedDid, AtprotoPublicKey key,
                               Predicate<String> wantedCollection, Consumer<RepoRecord> consumer) throws IOException {
        return verify(car, expectedDid, refresh -> key, wantedCollection, consumer);
    }

    /**
     * @param wantedCollection which collection NSIDs to decode and deliver
     * @throws RepoVerificationException when the repo is not a complete, correctly signed export
     * @throws IOException when reading the stream or the spill file fails
     */
    public VerifiedRepo verify(InputStream car, String expectedDid, SigningKeySource keys,
                               Predicate<String> wantedCollection, Consumer<RepoRecord> consumer) throws IOException {
        return verify(car, expectedDid, keys, wantedCollection, commit -> {}, consumer);
    }

    /** The same, telling {@code onCommit} the verified commit before the first record (writes carry its rev). */
    public VerifiedRepo verify(InputStream car, String expectedDid, SigningKeySource keys, Predicate<String> wantedCollection,
                               Consumer<Commit> onCommit, Consumer<RepoRecord> consumer) throws IOException {
        try (CarBlockStore store = CarBlockStore.read(car, storeOptions)) {
            Commit commit = verifiedCommit(store, expectedDid, keys);
            onCommit.accept(commit);
            long[] delivered = {0};
            long records = MstWalker.walk(commit.data(), store, (key, cid) -> {
                int slash = key.indexOf('/');
                if (slash <= 0 || slash != key.lastIndexOf('/') || slash == key.length() - 1) {
                    throw new RepoVerificationException(INVALID_MST, "repo key is not collection/rkey: " + key);
                }
                String collection = key.substring(0, slash);
                if (cid.codec() != Cid.DAG_CBOR) {
                    throw new RepoVerificationException(INVALID_MST, "record " + key + " is not dag-cbor: " + cid);
                }
                if (!wantedCollection.test(collection)) {
                    if (!store.contains(cid)) {
                        throw new RepoVerificationException(MISSING_BLOCK, "record " + key + " (" + cid + ") is not in the repo");
                    }
                    return;
                }
                byte[] block = store.get(cid);
                if (block == null) {
                    throw new RepoVerificationException(MISSING_BLOCK, "record " + key + " (" + cid + ") is not in the repo");
                }
                consumer.accept(new RepoRecord(collection, key.substring(slash + 1), cid, decodeRecord(key, block)));
                delivered[0]++;
            });
            return new VerifiedRepo(commit, records, delivered[0], store.blockCount(), store.carBytes());
        }
    }

    private static Commit verifiedCommit(CarBlockStore store, String expectedDid, SigningKeySource keys) throws IOException {
        if (store.roots().isEmpty()) {
            throw new RepoVerificationException(MALFORMED_CAR, "CAR has no root");
        }
        Cid root = store.roots().getFirst();
        byte[] block = store.get(root);
        if (block == null) {
            throw new RepoVerificationException(MISSING_BLOCK, "commit block " + root + " is not in the CAR");
        }
        if (root.codec() != Cid.DAG_CBOR) {
            throw new RepoVerificationException(BAD_COMMIT, "commit " + root + " is not dag-cbor");
        }
        Commit commit = Commit.decode(block);
        if (commit.version() != Commit.VERSION) {
            throw new RepoVerificationException(BAD_COMMIT, "commit version " + commit.version() + ", expected 3");
        }
        if (!commit.did().equals(expectedDid)) {
            throw new RepoVerificationException(WRONG_DID, "commit is for " + commit.did() + ", expected " + expectedDid);
        }
        if (!TID.matcher(commit.rev()).matches()) {
            throw new RepoVerificationException(BAD_COMMIT, "commit rev is not a TID: " + commit.rev());
        }
        if (!commit.verifySignature(keys.key(false)) && !commit.verifySignature(keys.key(true))) {
            throw new RepoVerificationException(BAD_SIGNATURE, "commit signature does not verify for " + expectedDid);
        }
        return commit;
    }

    private JsonNode decodeRecord(String key, byte[] block) {
        JsonNode value;
        try {
            value = DagCborDecoder.decode(block, 0, block.length, recordLimits);
        } catch (DagCborException e) {
            throw RepoVerificationException.of(e, "record " + key);
        }
        if (!value.isObject()) {
            throw new RepoVerificationException(MALFORMED_CBOR, "record " + key + " is not a map");
        }
        return value;
    }
}
