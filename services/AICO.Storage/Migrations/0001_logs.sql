-- The log store the log consumer writes (columns of the original system) plus delivery accounting:
-- each record carries its producer and that producer's sequence number, unique together, so a resent
-- batch is de-duplicated with INSERT ... ON CONFLICT (producer, sequence) DO NOTHING.
CREATE TABLE logs (
    id            INTEGER PRIMARY KEY,
    timestamp     TEXT    NOT NULL,          -- when the record was made, ISO 8601 UTC
    level         TEXT    NOT NULL,
    subsystem     TEXT    NOT NULL,
    module        TEXT    NOT NULL,
    function_name TEXT,
    file_path     TEXT,
    line_number   INTEGER,
    topic         TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    user_uuid     TEXT,
    session_id    TEXT,
    trace_id      TEXT,
    extra         TEXT CHECK (extra IS NULL OR json_valid(extra)),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),  -- when it was stored
    producer      TEXT    NOT NULL,
    sequence      INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX ux_logs_producer_sequence ON logs (producer, sequence);
CREATE INDEX ix_logs_timestamp ON logs (timestamp);
CREATE INDEX ix_logs_level ON logs (level);
CREATE INDEX ix_logs_subsystem ON logs (subsystem);
CREATE INDEX ix_logs_module ON logs (module);
CREATE INDEX ix_logs_trace_id ON logs (trace_id);
CREATE INDEX ix_logs_session_id ON logs (session_id);
