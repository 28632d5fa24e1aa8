-- Backfill engine: resumable discovery, a coordinator lease per job (discovery, progress, completion) and
-- per-repo leases so several processes can work on one job; per-repo outcomes are kept after the job ends.

ALTER TABLE backfill_jobs
    ADD COLUMN mode                       text        NOT NULL DEFAULT 'direct',
    ADD COLUMN strategy                   text        NOT NULL DEFAULT 'auto',
    ADD COLUMN prune                      boolean     NOT NULL DEFAULT false,
    ADD COLUMN refetch                    boolean     NOT NULL DEFAULT false,
    ADD COLUMN collections                text[]      NOT NULL DEFAULT '{}',
    ADD COLUMN discovery_done             boolean     NOT NULL DEFAULT false,
    ADD COLUMN discovery_index            integer     NOT NULL DEFAULT 0,
    ADD COLUMN discovery_cursor           text,
    ADD COLUMN coordinator                text,
    ADD COLUMN coordinator_expires_at     timestamptz,
    ADD COLUMN resolved_repos             integer     NOT NULL DEFAULT 0,
    ADD COLUMN failed_repos               integer     NOT NULL DEFAULT 0,
    ADD COLUMN skipped_repos              integer     NOT NULL DEFAULT 0,
    ADD COLUMN handed_off_repos           integer     NOT NULL DEFAULT 0,
    ADD COLUMN records_per_second         double precision NOT NULL DEFAULT 0,
    ADD COLUMN repos_per_second           double precision NOT NULL DEFAULT 0,
    ADD COLUMN updated_at                 timestamptz NOT NULL DEFAULT now();

ALTER TABLE backfill_repos
    ADD COLUMN collections      text[]      NOT NULL DEFAULT '{}',
    -- Bumped when discovery finds the repo under another collection, so a fetch that started before knows it
    -- is out of date and the repo is fetched again for all its collections.
    ADD COLUMN collections_version integer NOT NULL DEFAULT 0,
    ADD COLUMN record_count     integer     NOT NULL DEFAULT 0,
    ADD COLUMN attempts         integer     NOT NULL DEFAULT 0,
    ADD COLUMN last_error       text,
    ADD COLUMN fetch_strategy   text,
    ADD COLUMN next_attempt_at  timestamptz,
    ADD COLUMN lease_owner      text,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now();

-- Claims look only at repos that still need work.
CREATE INDEX backfill_repos_open_idx ON backfill_repos (job_id, next_attempt_at) WHERE status IN ('pending', 'resolved');
