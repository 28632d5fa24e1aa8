-- One B-tree fewer per record. A record's URI holds its collection, so (collection, uri) is as unique as uri alone:
-- it becomes the primary key (the upsert's conflict target), the separate uri key goes, and every insert descends
-- two indexes instead of three. Lookups by URI name the collection too (the writer and the admin API do).
CREATE UNIQUE INDEX records_collection_uri_key ON records (collection, uri);
ALTER TABLE records DROP CONSTRAINT records_pkey;
DROP INDEX records_collection_uri_idx;
ALTER TABLE records ADD CONSTRAINT records_pkey PRIMARY KEY USING INDEX records_collection_uri_key;
