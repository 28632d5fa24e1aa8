-- Foundation schema. Add new versioned files for changes; never edit a migration that has landed.

CREATE TABLE records (
    uri         text        PRIMARY KEY,
    did         text        NOT NULL,
    collection  text        NOT NULL,
    rkey        text        NOT NULL,
    cid         text        NOT NULL,
    record      jsonb       NOT NULL,
    indexed_at  timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- Paging by collection and by DID (cursor = uri, stable and unique).
CREATE INDEX records_collection_uri_idx ON records (collection, uri);
CREATE INDEX records_did_uri_idx ON records (did, uri);

CREATE TABLE lexicons (
    id                text        PRIMARY KEY,
    lexicon_json      jsonb       NOT NULL,
    lexicon_type      text        NOT NULL,
    backfill          boolean     NOT NULL DEFAULT true,
    target_collection text,
    revision          integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    key_hash     text        NOT NULL UNIQUE,
    key_prefix   text        NOT NULL,
    permissions  text[]      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

CREATE TABLE backfill_jobs (
    id               uuid        PRIMARY KEY,
    collection       text,
    did              text,
    status           text        NOT NULL DEFAULT 'pending',
    stage            text        NOT NULL DEFAULT 'pending',
    total_repos      integer     NOT NULL DEFAULT 0,
    processed_repos  integer     NOT NULL DEFAULT 0,
    total_records    bigint      NOT NULL DEFAULT 0,
    error            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    completed_at     timestamptz
);
CREATE INDEX backfill_jobs_created_idx ON backfill_jobs (created_at DESC, id DESC);
CREATE INDEX backfill_jobs_status_idx ON backfill_jobs (status);

CREATE TABLE backfill_repos (
    job_id       uuid        NOT NULL REFERENCES backfill_jobs (id) ON DELETE CASCADE,
    did          text        NOT NULL,
    status       text        NOT NULL DEFAULT 'pending',
    pds_endpoint text,
    PRIMARY KEY (job_id, did)
);
CREATE INDEX backfill_repos_status_idx ON backfill_repos (job_id, status);
