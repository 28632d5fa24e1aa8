package dev.happyview.backfill;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.happyview.Json;
import dev.happyview.protocol.crypto.AtprotoPublicKey;
import dev.happyview.protocol.crypto.PublicKeys;
import dev.happyview.protocol.identity.DidDocument;
import dev.happyview.protocol.identity.DidResolver;
import dev.happyview.protocol.repo.RepoRecord;
import dev.happyview.protocol.repo.RepoVerificationException;
import dev.happyview.protocol.repo.RepoVerifier;
import dev.happyview.protocol.syntax.Did;
import dev.happyview.protocol.xrpc.PdsClient;
import dev.happyview.store.RecordRow;
import dev.happyview.store.RecordWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * {@code com.atproto.sync.getRepo}: the whole repo in one signed CAR. One request per repo, and every record is
 * proven by the commit signature of the account's key (from its DID document, refreshed once if the signature does
 * not verify). Verification is strict: the commit must name the DID asked for and the tree must be complete.
 */
final class GetRepoFetch implements FetchStrategy {
    private static final int ROWS_PER_PAGE = 500;

    private final PdsClient pds;
    private final DidResolver resolver;
    private final RecordSink sink;
    private final RecordWriter writer;
    private final RepoVerifier verifier = new RepoVerifier();

    GetRepoFetch(PdsClient pds, DidResolver resolver, RecordSink sink, RecordWriter writer) {
        this.pds = pds;
        this.resolver = resolver;
        this.sink = sink;
        this.writer = writer;
    }

    @Override
    public String name() {
        return "get-repo";
    }

    @Override
    public Fetched fetch(RepoWork work, BooleanSupplier cancelled)
            throws RepoFetchException, CancelledException, InterruptedException {
        if (cancelled.getAsBoolean()) throw new CancelledException();
        Set<String> wanted = Set.copyOf(work.collections());
        Map<String, Set<String>> seen = new HashMap<>();
        var written = new ArrayList<CompletableFuture<Void>>();
        var pending = new ArrayList<RecordRow>(ROWS_PER_PAGE);
        int[] count = {0};
        var refused = new ArrayList<String>();
        String[] rev = {null};
        try (InputStream car = pds.getRepo(work.pdsEndpoint(), work.did())) {
            verifier.verify(car, work.did(), refresh -> signingKey(work.did(), refresh), wanted::contains,
                    commit -> rev[0] = commit.rev(), rec -> {
                if (cancelled.getAsBoolean()) throw new Abort(new CancelledException());
                RecordRow row = toRow(work.did(), rec, rev[0]);
                if (RecordRow.hasNul(row.recordJson())) {
                    refused.add(row.uri());
                    return;
                }
                pending.add(row);
                if (work.prune()) seen.computeIfAbsent(rec.collection(), c -> new HashSet<>()).add(rec.rkey());
                count[0]++;
                if (pending.size() >= ROWS_PER_PAGE) flush(pending, written);
            });
        } catch (RepoVerificationException e) {
            throw RepoFetchException.permanent("repo failed verification (" + e.kind().name().toLowerCase() + "): "
                    + e.getMessage());
        } catch (UncheckedIOException e) {
            throw Failures.classify("getRepo", e.getCause());
        } catch (Abort e) {
            switch (e.cause) {
                case CancelledException c -> throw c;
                case InterruptedException i -> throw i;
                default -> throw Failures.classify("getRepo", e.cause);
            }
        } catch (Exception e) {
            throw Failures.classify("getRepo", e);
        }
        flush(pending, written);
        ListRecordsFetch.awaitWritten(written);
        if (work.prune()) {
            for (String collection : work.collections()) {
                try {
                    writer.deleteMissing(work.did(), collection, seen.getOrDefault(collection, Set.of()), rev[0]);
                } catch (Exception e) {
                    throw RepoFetchException.transientFailure("pruning failed: " + e.getMessage(), e);
                }
            }
        }
        return new Fetched(count[0], refused, rev[0], true);
    }

    private void flush(List<RecordRow> pending, List<CompletableFuture<Void>> written) {
        if (pending.isEmpty()) return;
        try {
            written.add(sink.submit(List.copyOf(pending)));
        } catch (InterruptedException e) {
            throw new Abort(e);
        }
        pending.clear();
    }

    private AtprotoPublicKey signingKey(String did, boolean refresh) throws IOException {
        try {
            Did parsed = Did.parse(did);
            if (refresh) resolver.invalidate(parsed);
            DidDocument doc = resolver.resolve(parsed);
            var vm = doc.signingKey().orElseThrow(() -> new IOException("DID document has no #atproto signing key"));
            return PublicKeys.fromVerificationMethod(vm.type(), vm.publicKeyMultibase());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("signing key unavailable: " + e.getMessage(), e);
        }
    }

    private static RecordRow toRow(String did, RepoRecord rec, String rev) {
        String uri = "at://" + did + "/" + rec.collection() + "/" + rec.rkey();
        try {
            return new RecordRow(uri, did, rec.collection(), rec.rkey(), rec.cid().toString(),
                    Json.MAPPER.writeValueAsString(rec.value()), rev);
        } catch (JsonProcessingException e) {
            throw new Abort(e);
        }
    }

    /** Carries a checked outcome (cancel, interrupt, a JSON failure) out of the verifier's consumer callback. */
    private static final class Abort extends RuntimeException {
        final Exception cause;

        Abort(Exception cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }
}
