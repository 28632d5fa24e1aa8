package dev.happyview.backfill;

import dev.happyview.protocol.xrpc.XrpcException;

/** Maps what the network layer threw onto a repo outcome. */
final class Failures {
    private Failures() {}

    static RepoFetchException classify(String what, Throwable e) {
        if (e instanceof XrpcException x) {
            String reason = what + ": " + x.getMessage();
            return x.isPermanent() ? RepoFetchException.permanent(reason, accountStatus(x.error()))
                    : RepoFetchException.transientFailure(reason, x);
        }
        return RepoFetchException.transientFailure(what + ": " + e, e);
    }

    /** The account status a PDS's error names (com.atproto.sync's getRepo, getLatestCommit), or null. */
    static String accountStatus(String error) {
        return switch (error == null ? "" : error) {
            case "RepoNotFound" -> "deleted";
            case "RepoTakendown" -> "takendown";
            case "RepoSuspended" -> "suspended";
            case "RepoDeactivated" -> "deactivated";
            default -> null;
        };
    }
}
