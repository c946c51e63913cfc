-- Schema 8: a row names its producer by producer_id (log_producers.id) alone. The producer text stays only in rows
-- whose producer has no log_producers row (rows of schema 2, written before delivery accounting); the writer binds
-- NULL. As deployed a producer is "component/" + 12 hex digits, so every row is ~21 bytes smaller: ~45 bytes less
-- written per row with the WAL and the checkpoint (docs/decisions.md, issue 9). SQLite cannot drop NOT NULL from a
-- column, so the table is rebuilt; ids, and with them the grep index, stay as they are.

DROP TRIGGER logs_search_delete;
DROP INDEX ix_logs_time;
DROP INDEX ix_logs_trace_id;

CREATE TABLE logs_v8 (
    id          INTEGER PRIMARY KEY,
    timestamp   TEXT    NOT NULL,
    level       TEXT    NOT NULL,
    subsystem   TEXT    NOT NULL,
    module      TEXT    NOT NULL,
    topic       TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    session_id  TEXT,
    trace_id    TEXT,
    span_id     TEXT,
    exception   TEXT,
    extra       TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    producer    TEXT,                      -- only without producer_id
    sequence    INTEGER NOT NULL,
    producer_id INTEGER,                   -- log_producers.id
    CHECK ((producer IS NULL) <> (producer_id IS NULL))
) STRICT;

INSERT INTO logs_v8 (id, timestamp, level, subsystem, module, topic, message, session_id, trace_id, span_id, exception, extra,
                     created_at, producer, sequence, producer_id)
SELECT id, timestamp, level, subsystem, module, topic, message, session_id, trace_id, span_id, exception, extra,
       created_at, CASE WHEN producer_id IS NULL THEN producer END, sequence, producer_id
FROM logs;

DROP TABLE logs;
ALTER TABLE logs_v8 RENAME TO logs;

CREATE INDEX ix_logs_time ON logs (timestamp, id, level, producer_id);
CREATE INDEX ix_logs_trace_id ON logs (trace_id) WHERE trace_id IS NOT NULL;

CREATE TRIGGER logs_search_delete AFTER DELETE ON logs
WHEN old.id <= (SELECT watermark FROM log_search_state WHERE id = 1)
BEGIN
    DELETE FROM logs_search WHERE rowid = old.id;
    UPDATE log_search_state SET watermark = (SELECT coalesce(max(id), 0) FROM logs)
    WHERE id = 1 AND watermark > (SELECT coalesce(max(id), 0) FROM logs);
    DELETE FROM log_search_ranges WHERE last_id > (SELECT watermark FROM log_search_state WHERE id = 1);
END;
