-- ix_logs_time keys each row's producer by a small number instead of its text (see docs/decisions.md, issue 9). A
-- producer is "component/12 hex digits" (20 bytes) and was stored in every index entry; the entries of the busiest
-- part of the index are rewritten in nearly every commit (records arrive a few thousand entries out of time order),
-- so the index's bytes are paid again and again in encrypted WAL pages. The row keeps its producer text; the index
-- holds producer_id, log_producers.id, against which `--component` is tested (through log_producers, on the index
-- entry, as before). Rows whose producer has no log_producers row keep producer_id NULL and are matched by their text.
-- log_producers gets an explicit INTEGER PRIMARY KEY, so VACUUM cannot renumber it; ids are the former rowids.
CREATE TABLE log_producers_v7 (
    id               INTEGER PRIMARY KEY,
    producer         TEXT    NOT NULL UNIQUE,
    component        TEXT    NOT NULL,
    received         INTEGER NOT NULL DEFAULT 0,
    duplicates       INTEGER NOT NULL DEFAULT 0,
    gaps             INTEGER NOT NULL DEFAULT 0,
    contiguous       INTEGER NOT NULL DEFAULT 0,
    max_sequence     INTEGER NOT NULL DEFAULT 0,
    first_seen       TEXT    NOT NULL,
    last_seen        TEXT    NOT NULL,
    committed_above  TEXT    NOT NULL DEFAULT ''
) STRICT;

INSERT INTO log_producers_v7 (id, producer, component, received, duplicates, gaps, contiguous, max_sequence, first_seen, last_seen, committed_above)
SELECT rowid, producer, component, received, duplicates, gaps, contiguous, max_sequence, first_seen, last_seen, committed_above
FROM log_producers;

DROP TABLE log_producers;
ALTER TABLE log_producers_v7 RENAME TO log_producers;

DROP INDEX ix_logs_time;
ALTER TABLE logs ADD COLUMN producer_id INTEGER;
UPDATE logs SET producer_id = (SELECT id FROM log_producers WHERE log_producers.producer = logs.producer);
CREATE INDEX ix_logs_time ON logs (timestamp, id, level, producer_id);
