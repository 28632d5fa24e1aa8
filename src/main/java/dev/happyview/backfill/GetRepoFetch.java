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
import dev.happyview.records.RecordRow;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * {@code com.atproto.sync.getRepo}: the whole repo in one signed CAR. One request per repo, and every record is
 * proven by the commit signature of the account's key (from its DID document, refreshed once if the signature does
 * not verify). Verification is strict: the commit must name the DID asked for and the tree must be complete.
 */
final class GetRepoFetch implements FetchStrategy {
    private final PdsClient pds;
    private final DidResolver resolver;
    private final Function<RepoWork, RepoWriteSession> sessions;
    private final RepoVerifier verifier = new RepoVerifier();

    GetRepoFetch(PdsClient pds, DidResolver resolver, Function<RepoWork, RepoWriteSession> sessions) {
        this.pds = pds;
        this.resolver = resolver;
        this.sessions = sessions;
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
        var session = sessions.apply(work);
        try (InputStream car = pds.getRepo(work.pdsEndpoint(), work.did())) {
            verifier.verify(car, work.did(), refresh -> signingKey(work.did(), refresh), wanted::contains,
                    commit -> session.readAt(commit.rev(), true, commit.data().toString()), rec -> {
                if (cancelled.getAsBoolean()) throw new Abort(new CancelledException());
                try {
                    session.add(toRow(work.did(), rec, session.rev()));
                } catch (InterruptedException e) {
                    throw new Abort(e);
                }
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
        return session.finish();
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
