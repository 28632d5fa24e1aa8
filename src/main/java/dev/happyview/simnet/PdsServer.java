package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.syntax.Nsid;
import java.nio.charset.StandardCharsets;

/**
 * The PDS hosts: {@code listRecords}, {@code getRepo}, {@code getLatestCommit}, {@code describeRepo}, {@code getRepoStatus} and
 * {@code listRepos} for the repos whose home is host {@code idx} (-1: the stale host wrong-pds documents name, which
 * hosts nothing), with each repo's fault applied.
 */
final class PdsServer {
    static final int LIST_RECORDS_MAX = 100;

    private final RepoRegistry registry;
    private final IdentityServer identity;
    private final RenderCache cache;

    PdsServer(RepoRegistry registry, IdentityServer identity, RenderCache cache) {
        this.registry = registry;
        this.identity = identity;
        this.cache = cache;
    }

    SimHost.Response handle(int idx, SimHost.Request req) {
        return switch (req.path()) {
            case "/xrpc/com.atproto.repo.listRecords" -> listRecords(idx, req);
            case "/xrpc/com.atproto.sync.getRepo" -> getRepo(idx, req);
            case "/xrpc/com.atproto.sync.getLatestCommit" -> latestCommit(idx, req);
            case "/xrpc/com.atproto.repo.describeRepo" -> describeRepo(idx, req);
            case "/xrpc/com.atproto.sync.getRepoStatus" -> {
                SimRepo r = hosted(idx, req.param("did"));
                yield r == null ? Replies.xrpcError(400, "RepoNotFound", "Could not find repo for DID: " + req.param("did"))
                        : Replies.json(AccountAnswers.status(r));
            }
            case "/xrpc/com.atproto.sync.listRepos" -> AccountAnswers.listRepos(req, registry.all().stream()
                    .filter(r -> r.home == idx && !AccountAnswers.isFault(r, Faults.Kind.NOT_FOUND)).toList(), "InvalidRequest");
            default -> Replies.notFound(req);
        };
    }

    /** The repo if this PDS hosts it (by DID or handle) and it is not a not-found fault. */
    private SimRepo hosted(int idx, String repo) {
        SimRepo r = registry.findByDidOrHandle(repo);
        if (r == null || r.deleted || r.home != idx || AccountAnswers.isFault(r, Faults.Kind.NOT_FOUND)) {
            return null;
        }
        return r;
    }

    private static SimHost.Response accountError(SimRepo r) {
        if (AccountAnswers.isFault(r, Faults.Kind.TAKENDOWN)) {
            return Replies.xrpcError(400, "RepoTakendown", "Repo has been takendown: " + r.did);
        }
        if (AccountAnswers.isFault(r, Faults.Kind.DEACTIVATED)) {
            return Replies.xrpcError(400, "RepoDeactivated", "Repo has been deactivated: " + r.did);
        }
        return null;
    }

    private SimHost.Response listRecords(int idx, SimHost.Request req) {
        String repo = req.param("repo");
        String collection = req.param("collection");
        if (repo == null || repo.isEmpty()) {
            return Replies.xrpcError(400, "InvalidRequest", "Error: Params must have the property \"repo\"");
        }
        if (collection == null || !Nsid.isValid(collection)) {
            return Replies.xrpcError(400, "InvalidRequest", "Error: collection must be a valid nsid");
        }
        int limit;
        try {
            limit = req.param("limit") == null ? 50 : Integer.parseInt(req.param("limit"));
        } catch (NumberFormatException e) {
            return Replies.xrpcError(400, "InvalidRequest", "Error: limit must be an integer");
        }
        if (limit < 1 || limit > LIST_RECORDS_MAX) {
            return Replies.xrpcError(400, "InvalidRequest", "Error: limit must be between 1 and 100");
        }
        boolean reverse = "true".equals(req.param("reverse"));
        SimRepo r = hosted(idx, repo);
        if (r == null || accountError(r) != null) {
            return Replies.xrpcError(400, "InvalidRequest", "Could not find repo: " + repo);
        }
        SimHost.Mode mode = SimHost.Mode.NORMAL;
        if (r.fault != null) {
            switch (r.fault.kind()) {
                case HANG, TRUNCATED, SLOW_BODY, INVALID_JSON -> {
                    if (r.fireFault()) {
                        switch (r.fault.kind()) {
                            case HANG -> mode = SimHost.Mode.HANG;
                            case TRUNCATED -> mode = SimHost.Mode.TRUNCATE;
                            case SLOW_BODY -> mode = SimHost.Mode.SLOW;
                            default -> {
                                return SimHost.Response.json(200,
                                        "{\"records\":[{\"uri\":\"at://oops\",<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
                default -> { }
            }
        }
        String cursor = req.param("cursor");
        if (mode == SimHost.Mode.NORMAL) {
            return SimHost.Response.json(200, cache.page(r, collection, limit, cursor, reverse));
        }
        return SimHost.Response.json(200, cache.renderPage(r, collection, limit, cursor, reverse))
                .withMode(mode, r.fault == null ? 0 : r.fault.slowMillis());
    }

    private SimHost.Response getRepo(int idx, SimHost.Request req) {
        String did = req.param("did");
        SimRepo r = hosted(idx, did);
        if (r == null || (did != null && !did.startsWith("did:"))) {
            return Replies.xrpcError(400, "RepoNotFound", "Could not find repo for DID: " + did);
        }
        SimHost.Response err = accountError(r);
        if (err != null) {
            return err;
        }
        SimHost.Mode mode = SimHost.Mode.NORMAL;
        if (r.fault != null) {
            switch (r.fault.kind()) {
                case HANG -> mode = r.fireFault() ? SimHost.Mode.HANG : mode;
                case TRUNCATED -> mode = r.fireFault() ? SimHost.Mode.TRUNCATE : mode;
                case SLOW_BODY -> mode = SimHost.Mode.SLOW;
                default -> { }
            }
        }
        if (mode == SimHost.Mode.HANG) {
            return SimHost.Response.of(200, null, null).withMode(mode, 0);
        }
        SimRepo.Car car = r.car();
        return SimHost.Response.of(200, "application/vnd.ipld.car", car.bytes())
                .withMode(mode, r.fault == null ? 0 : r.fault.slowMillis())
                .withGzipped(cache.gzipped(r, car));
    }

    /** {@code {cid, rev}} of the repo's current commit (the CAR of that revision is built once and cached). */
    private SimHost.Response latestCommit(int idx, SimHost.Request req) {
        String did = req.param("did");
        SimRepo r = hosted(idx, did);
        if (r == null) {
            return Replies.xrpcError(400, "RepoNotFound", "Could not find repo for DID: " + did);
        }
        SimHost.Response err = accountError(r);
        if (err != null) {
            return err;
        }
        SimRepo.Car car = r.car();
        return Replies.json(Replies.JSON.createObjectNode().put("cid", car.commitCid().toString()).put("rev", car.rev()));
    }

    private SimHost.Response describeRepo(int idx, SimHost.Request req) {
        SimRepo r = hosted(idx, req.param("repo"));
        if (r == null) {
            return Replies.xrpcError(400, "RepoNotFound", "Could not find repo: " + req.param("repo"));
        }
        SimHost.Response err = accountError(r);
        if (err != null) {
            return err;
        }
        ObjectNode out = Replies.JSON.createObjectNode().put("handle", r.handle).put("did", r.did);
        out.set("didDoc", identity.didDoc(r));
        ArrayNode colls = out.putArray("collections");
        r.collectionCounts().keySet().forEach(colls::add);
        out.put("handleIsCorrect", true);
        return Replies.json(out);
    }
}
