package dev.happyview.tap;

import dev.happyview.backfill.RepoHandoff;
import java.util.List;

/**
 * Hands discovered repos to Tap: {@code /repos/add} in batches of up to 1000 (Tap ignores DIDs it already tracks, so
 * re-runs are safe); with {@code refetch} they are removed first so Tap backfills them again. Transient failures are
 * retried three times with backoff (1, 2, 4 s); a rejected password is not retried.
 */
public final class TapHandoff implements RepoHandoff {
    private static final int ATTEMPTS = 4;

    private final TapClient tap;

    public TapHandoff(TapClient tap) {
        this.tap = tap;
    }

    @Override
    public int batchSize() {
        return TapClient.BATCH;
    }

    @Override
    public void handOff(List<String> dids, boolean refetch) throws HandoffException, InterruptedException {
        try {
            if (refetch) withRetries(() -> tap.removeRepos(dids));
            withRetries(() -> tap.addRepos(dids));
        } catch (TapException e) {
            throw new HandoffException("Tap hand-off failed: " + e.getMessage(), e);
        }
    }

    private interface Call {
        void run() throws TapException, InterruptedException;
    }

    private static void withRetries(Call call) throws TapException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                call.run();
                return;
            } catch (TapException e) {
                if (e.unauthorized() || attempt >= ATTEMPTS) throw e;
                Thread.sleep(1000L << (attempt - 1));
            }
        }
    }
}
