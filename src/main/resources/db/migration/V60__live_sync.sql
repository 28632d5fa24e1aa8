-- Live indexing: every record row carries the repo revision it was read at, deletes leave tombstones, each repo has a
-- sync state, events of repos being backfilled wait in a durable buffer, and each live source keeps its cursor.
-- See docs/live.md for the rules these tables serve.

-- The repo revision (a TID: base32-sortable, so "C" order is time order) the row was read at. NULL for rows written
-- before revisions were kept: any known revision replaces them.
ALTER TABLE records ADD COLUMN rev text COLLATE "C";

-- A deleted record: a write read at or below this revision cannot bring it back. Removed after the horizon
-- (docs/live.md, "Tombstones"); deleted_at is when the delete was applied here.
CREATE TABLE record_tombstones (
    uri        text        COLLATE "C" PRIMARY KEY,
    did        text        COLLATE "C" NOT NULL,
    rev        text        COLLATE "C" NOT NULL,
    deleted_at timestamptz NOT NULL DEFAULT now()
);

-- One row per repo the service has applied anything to. rev: the newest revision applied; state: synchronized (live
-- events are applied as they come), backfilling (a fetch is under way: live events are buffered) or desynchronized
-- (a gap is known; live events are still applied). backfill_owner/backfill_expires_at: the fetch session that owns
-- the buffered state and until when; a session that vanished is noticed after that time.
CREATE TABLE repo_sync (
    did                 text        COLLATE "C" PRIMARY KEY,
    rev                 text        COLLATE "C",
    state               text        NOT NULL DEFAULT 'synchronized',
    backfill_owner      uuid,
    backfill_expires_at timestamptz,
    account_status      text,
    reason              text,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX repo_sync_unsynchronized_idx ON repo_sync (state) WHERE state <> 'synchronized';

-- Live events of repos being backfilled, kept in arrival order (id) until the backfill's writes commit. payload is
-- the event as its source encodes it; the source decodes and applies it.
CREATE TABLE live_buffer (
    id          bigserial   PRIMARY KEY,
    did         text        COLLATE "C" NOT NULL,
    source      text        NOT NULL,
    rev         text        COLLATE "C",
    payload     bytea       NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX live_buffer_did_idx ON live_buffer (did, id);

-- A live source's position, one row per applier partition, written in the transaction of the writes it covers. The
-- stream resumes from the smallest.
CREATE TABLE live_cursors (
    source     text        NOT NULL,
    partition  integer     NOT NULL,
    cursor     bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, partition)
);

-- Gaps a live source knows it could not replay (cursor older than the source keeps), and the backfill started for them.
CREATE TABLE live_gaps (
    id          bigserial   PRIMARY KEY,
    source      text        NOT NULL,
    from_cursor bigint,
    reason      text        NOT NULL,
    collections text[]      NOT NULL DEFAULT '{}',
    job_id      uuid,
    detected_at timestamptz NOT NULL DEFAULT now()
);
