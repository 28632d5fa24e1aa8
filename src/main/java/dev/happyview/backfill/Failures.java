package dev.happyview.backfill;

import dev.happyview.protocol.xrpc.XrpcException;

/** Maps what the network layer threw onto a repo outcome. */
final class Failures {
    private Failures() {}

    static RepoFetchException classify(String what, Throwable e) {
        if (e instanceof XrpcException x) {
            String reason = what + ": " + x.getMessage();
            return x.isPermanent() ? RepoFetchException.permanent(reason) : RepoFetchException.transientFailure(reason, x);
        }
        return RepoFetchException.transientFailure(what + ": " + e, e);
    }
}
