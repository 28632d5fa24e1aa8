-- The database lifetime marker. Postgres empties an unlogged table when it recovers from a crash (of the server or
-- of any of its processes) and on a promoted standby, and keeps it across a clean shutdown, which writes out all of
-- the WAL first. So "the marker still holds the value I read" means "no crash or failover since": every commit made
-- since that read, asynchronous ones included, is still there, and a later synchronous commit makes them durable.
-- A process puts a new random value in when it finds the table empty (docs/reliability.md).
CREATE UNLOGGED TABLE db_lifetime (
    id    integer PRIMARY KEY CHECK (id = 1),
    epoch uuid    NOT NULL
);
