-- Tap channel frames that could not be parsed: kept with the reason, then acknowledged so they cannot block the stream.
CREATE TABLE tap_dead_letters (
    id          bigserial   PRIMARY KEY,
    event_id    bigint,
    reason      text        NOT NULL,
    frame       text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
