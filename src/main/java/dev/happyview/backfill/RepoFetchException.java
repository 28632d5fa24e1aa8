package dev.happyview.backfill;

/** Carries a classified {@link RepoFailure} out of a fetch. */
final class RepoFetchException extends Exception {
    private final RepoFailure failure;

    RepoFetchException(RepoFailure failure, Throwable cause) {
        super(failure.reason(), cause);
        this.failure = failure;
    }

    static RepoFetchException permanent(String reason) {
        return new RepoFetchException(new RepoFailure.Permanent(reason), null);
    }

    static RepoFetchException permanent(String reason, String accountStatus) {
        return new RepoFetchException(new RepoFailure.Permanent(reason, accountStatus), null);
    }

    static RepoFetchException transientFailure(String reason, Throwable cause) {
        return new RepoFetchException(new RepoFailure.Transient(reason), cause);
    }

    RepoFailure failure() {
        return failure;
    }
}
