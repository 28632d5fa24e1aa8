package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.syntax.Nsid;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The relay: collectiondir's {@code listReposByCollection} (offset cursors, at most 2000 per page), {@code listRepos},
 * {@code getRepoStatus}, {@code getRepo} as a redirect to the repo's PDS, and the simulator's own {@code /ground-truth}
 * and {@code /stats}.
 */
final class RelayServer {
    /** The most DIDs one listReposByCollection page holds. */
    static final int MAX_PAGE = 2000;

    private final RepoRegistry registry;
    private final GroundTruthOracle oracle;
    private final IntFunction<String> pdsUrl;
    private final Supplier<SimStats> stats;

    RelayServer(RepoRegistry registry, GroundTruthOracle oracle, IntFunction<String> pdsUrl, Supplier<SimStats> stats) {
        this.registry = registry;
        this.oracle = oracle;
        this.pdsUrl = pdsUrl;
        this.stats = stats;
    }

    SimHost.Response handle(SimHost.Request req) {
        return switch (req.path()) {
            case "/xrpc/com.atproto.sync.listReposByCollection" -> listReposByCollection(req);
            case "/xrpc/com.atproto.sync.listRepos" -> AccountAnswers.listRepos(req, registry.all(), "BadRequest");
            case "/xrpc/com.atproto.sync.getRepoStatus" -> {
                SimRepo r = registry.find(String.valueOf(req.param("did")));
                yield r == null ? Replies.xrpcError(404, "RepoNotFound", "repo not found: " + req.param("did"))
                        : Replies.json(AccountAnswers.status(r));
            }
            case "/xrpc/com.atproto.sync.getRepo" -> {
                SimRepo r = registry.find(String.valueOf(req.param("did")));
                yield r == null ? Replies.xrpcError(404, "RepoNotFound", "repo not found: " + req.param("did"))
                        : SimHost.Response.of(302, null, null).withHeader("Location",
                                pdsUrl.apply(r.home) + "/xrpc/com.atproto.sync.getRepo?did=" + r.did);
            }
            case "/ground-truth" -> groundTruthLines(req);
            case "/stats" -> Replies.json(Replies.JSON.valueToTree(stats.get()));
            default -> Replies.notFound(req);
        };
    }

    private SimHost.Response listReposByCollection(SimHost.Request req) {
        String c = req.param("collection");
        if (c == null || !Nsid.isValid(c)) {
            return Replies.xrpcError(400, "BadRequest", "invalid collection: " + c);
        }
        int limit;
        int offset;
        try {
            limit = Math.clamp(req.param("limit") == null ? 500 : Long.parseLong(req.param("limit")), 1, MAX_PAGE);
            offset = req.param("cursor") == null || req.param("cursor").isEmpty() ? 0 : Integer.parseInt(req.param("cursor"));
        } catch (NumberFormatException e) {
            return Replies.xrpcError(400, "BadRequest", "invalid limit or cursor");
        }
        RepoRegistry.ListingPage page = registry.listingPage(c, offset, limit);
        ObjectNode out = Replies.JSON.createObjectNode();
        ArrayNode arr = out.putArray("repos");
        page.repos().forEach(r -> arr.addObject().put("did", r.did));
        int end = Math.max(0, offset) + page.repos().size();
        if (!page.repos().isEmpty() && end < page.total()) {
            out.put("cursor", String.valueOf(end));
        }
        return Replies.json(out);
    }

    private SimHost.Response groundTruthLines(SimHost.Request req) {
        String s = req.param("strategy");
        Strategy strategy = s == null || s.isEmpty() ? Strategy.GET_REPO : Strategy.valueOf(s.toUpperCase(Locale.ROOT));
        String cs = req.param("collections");
        Set<String> colls = cs == null || cs.isEmpty() ? null : new LinkedHashSet<>(Arrays.asList(cs.split(",")));
        GroundTruth gt = oracle.groundTruth(strategy, colls, req.param("did"));
        return SimHost.Response.streaming("application/x-ndjson", out -> GroundTruthOracle.write(gt, out));
    }
}
