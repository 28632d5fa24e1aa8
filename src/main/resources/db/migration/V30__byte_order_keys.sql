-- Identifiers compare byte by byte. AT-URIs, DIDs, NSIDs and record keys are ASCII, so the "C" collation orders them
-- exactly as the database's default collation did (C.UTF-8 is code point order), but a B-tree compares "C" text with
-- memcmp instead of the C library's strcoll: every record upsert descends three indexes keyed on these columns.
-- Cursors (`uri > ?`) keep working unchanged. Existing installations rebuild these indexes once.
ALTER TABLE records
    ALTER COLUMN uri        TYPE text COLLATE "C",
    ALTER COLUMN did        TYPE text COLLATE "C",
    ALTER COLUMN collection TYPE text COLLATE "C",
    ALTER COLUMN rkey       TYPE text COLLATE "C";

ALTER TABLE backfill_repos
    ALTER COLUMN did TYPE text COLLATE "C";
