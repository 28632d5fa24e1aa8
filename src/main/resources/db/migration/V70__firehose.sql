-- The verified firehose (LIVE_SOURCE=firehose): each repo's commit chain, its resyncs, and the events refused.
-- See docs/live.md ("The verified firehose") for the rules these serve.

-- data: the MST root CID of the repo's commit at data_rev. A commit chains when its since is the stored rev and its
-- prevData is data; data counts only while data_rev = rev (another source may move rev without knowing the root).
ALTER TABLE repo_sync ADD COLUMN data text;
ALTER TABLE repo_sync ADD COLUMN data_rev text COLLATE "C";
-- Resyncs (a whole-repo fetch diffed against the index): how many were started for the repo, the kind of gap that
-- asked for the next one (null once it started), attempts since the repo was last found in sync (for backoff), when
-- the last started and its backfill job.
ALTER TABLE repo_sync ADD COLUMN resync_count integer NOT NULL DEFAULT 0;
ALTER TABLE repo_sync ADD COLUMN gap_kind text;
ALTER TABLE repo_sync ADD COLUMN resync_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE repo_sync ADD COLUMN resync_at timestamptz;
ALTER TABLE repo_sync ADD COLUMN resync_job uuid;

-- Every resync started, with why (kind: a stable name; detail: the link that broke).
CREATE TABLE live_resyncs (
    id         bigserial   PRIMARY KEY,
    did        text        COLLATE "C" NOT NULL,
    kind       text        NOT NULL,
    detail     text,
    job_id     uuid,
    started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_resyncs_did_idx ON live_resyncs (did, id);

-- Events refused by verification (forged signature, ops that do not match the signed tree, a rev from the future,
-- malformed or oversized frames), once per stream position: a replay after a reconnect is not counted twice (a frame
-- whose position could not be read has a null seq and is counted each time).
CREATE TABLE live_rejections (
    id          bigserial   PRIMARY KEY,
    source      text        NOT NULL,
    seq         bigint,
    did         text        COLLATE "C",
    kind        text        NOT NULL,
    detail      text,
    rejected_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, seq, kind)
);
