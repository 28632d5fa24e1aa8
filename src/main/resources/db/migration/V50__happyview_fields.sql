-- HappyView's lexicon fields, stored and returned so its clients keep them; this service runs no Lua scripts.
-- `action` is null for HappyView's default (upsert).
ALTER TABLE lexicons
    ADD COLUMN action     text,
    ADD COLUMN script     text,
    ADD COLUMN index_hook text,
    ADD COLUMN token_cost integer;

-- The accounts a job targets (`dids` of POST /admin/backfill); empty for a job that discovers repos via the relay.
ALTER TABLE backfill_jobs ADD COLUMN dids text[] NOT NULL DEFAULT '{}';
UPDATE backfill_jobs SET dids = ARRAY[did] WHERE did IS NOT NULL;

-- records:delete-collection is new: keys that held every permission (the bootstrap key among them) get it too.
UPDATE api_keys SET permissions = permissions || ARRAY['records:delete-collection']
 WHERE permissions @> ARRAY['lexicons:create', 'lexicons:read', 'lexicons:delete', 'backfill:create', 'backfill:read',
                            'records:read', 'records:delete', 'stats:read', 'api-keys:create', 'api-keys:read',
                            'api-keys:delete']
   AND NOT permissions @> ARRAY['records:delete-collection'];
