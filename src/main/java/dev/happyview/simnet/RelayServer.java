package dev.happyview.simnet;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.happyview.protocol.syntax.Nsid;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The relay: collectiondir's {@code listReposByCollection} (offset cursors, at most 2000 per page), {@code listRepos},
 * {@code getRepoStatus}, {@code getRepo} as a redirect to the repo's PDS, and the simulator's own {@code /ground-truth},
 * {@code /lower-bound} and {@code /stats}.
 */
final class RelayServer {
    /** The most DIDs one listReposByCollection page holds. */
    static final int MAX_PAGE = 2000;

    private final RepoRegistry registry;
    private final GroundTruthOracle oracle;
    private final IntFunction<String> pdsUrl;
    private final Supplier<SimStats> stats;
    private final Function<Set<String>, Map<String, Long>> lowerBounds;

    /** {@code lowerBounds}: for some collections (null = the scenario's), the bounds by name ({@link SimNetwork#lowerBounds}). */
    RelayServer(RepoRegistry registry, GroundTruthOracle oracle, IntFunction<String> pdsUrl, Supplier<SimStats> stats,
            Function<Set<String>, Map<String, Long>> lowerBounds) {
        this.registry = registry;
        this.oracle = oracle;
        this.pdsUrl = pdsUrl;
        this.stats = stats;
        this.lowerBounds = lowerBounds;
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
            case "/lower-bound" -> Replies.json(Replies.JSON.valueToTree(lowerBounds.apply(collections(req))));
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

    /** The {@code collections} parameter (comma-separated), or null. */
    private static Set<String> collections(SimHost.Request req) {
        String cs = req.param("collections");
        return cs == null || cs.isEmpty() ? null : new LinkedHashSet<>(Arrays.asList(cs.split(",")));
    }

    private SimHost.Response groundTruthLines(SimHost.Request req) {
        String s = req.param("strategy");
        Strategy strategy = s == null || s.isEmpty() ? Strategy.GET_REPO : Strategy.valueOf(s.toUpperCase(Locale.ROOT));
        GroundTruth gt = oracle.groundTruth(strategy, collections(req), req.param("did"));
        return SimHost.Response.streaming("application/x-ndjson", out -> GroundTruthOracle.write(gt, out));
    }
}
