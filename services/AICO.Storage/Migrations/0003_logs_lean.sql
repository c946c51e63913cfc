-- The logs table rebuilt for the log consumer's write rate (see docs/decisions.md, issue 9). Every index serves a
-- filter of `aico logs ls` / GET /api/v1/logs or the consumer's de-duplication; the rest were dropped:
--   ux_logs_producer_sequence  de-duplication (ON CONFLICT) and the consumer's restart accounting
--   ix_logs_timestamp          --since/--until and newest-first order
--   ix_logs_severe             --level warning|error|critical (partial: only those rows pay for it)
--   ix_logs_trace_id           --trace-id (partial: records outside any trace pay nothing)
-- Component, subsystem and grep scan newest-first in time order and stop at the limit. The JSON CHECK is gone:
-- the consumer validates extra before binding it. Span id and exception get their own columns (they were merged
-- into extra); the never-written columns of the original system (function_name, file_path, line_number, user_uuid)
-- are dropped. Existing rows are kept, ids included.
CREATE TABLE logs_v3 (
    id          INTEGER PRIMARY KEY,
    timestamp   TEXT    NOT NULL,          -- when the record was made, ISO 8601 UTC, six fraction digits
    level       TEXT    NOT NULL,
    subsystem   TEXT    NOT NULL,
    module      TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    session_id  TEXT,
    trace_id    TEXT,                      -- 32 lowercase hex digits
    span_id     TEXT,                      -- 16 lowercase hex digits
    exception   TEXT,
    extra       TEXT,                      -- a JSON object of state and scope values
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),  -- when it was stored
    producer    TEXT    NOT NULL,
    sequence    INTEGER NOT NULL
) STRICT;

INSERT INTO logs_v3 (id, timestamp, level, subsystem, module, topic, message, session_id, trace_id, span_id, exception, extra,
                     created_at, producer, sequence)
SELECT id, timestamp, level, subsystem, module, topic, message, session_id, trace_id,
       CASE WHEN json_type(extra) = 'object' THEN extra ->> '$.span_id' END,
       CASE WHEN json_type(extra) = 'object' THEN extra ->> '$.exception' END,
       CASE WHEN extra IS NULL THEN NULL
            WHEN json_type(extra) <> 'object' THEN json_object('unparsed_extra', extra)
            WHEN json_remove(extra, '$.span_id', '$.exception') = '{}' THEN NULL
            ELSE json_remove(extra, '$.span_id', '$.exception') END,
       created_at, producer, sequence
FROM logs;

DROP TABLE logs;
ALTER TABLE logs_v3 RENAME TO logs;

CREATE UNIQUE INDEX ux_logs_producer_sequence ON logs (producer, sequence);
CREATE INDEX ix_logs_timestamp ON logs (timestamp);
CREATE INDEX ix_logs_severe ON logs (timestamp) WHERE level IN ('WARNING', 'ERROR', 'CRITICAL');
CREATE INDEX ix_logs_trace_id ON logs (trace_id) WHERE trace_id IS NOT NULL;
