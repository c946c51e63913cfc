-- A trigram index of logs.message for `--grep` (see docs/decisions.md, issue 9), kept BEHIND the writer: the log
-- consumer indexes rows in small transactions of their own while it has nothing to write, up to a watermark; a grep
-- asks the index for the rows at or below the watermark and reads the few rows above it with LIKE. The writer's
-- transaction never touches it.
--   logs_search         contentless (the text stays in logs only), rowid = logs.id; detail=none: a grep matches the
--                       trigrams of its text as candidates and LIKE on the row decides, so positions are not needed.
--                       contentless_delete lets a row leave the index by its id alone.
--   log_search_state    watermark: every row with id <= watermark is in logs_search, none above it is.
--   log_search_ranges   after each indexing step: the highest timestamp of any row with id <= last_id, so a newest-
--                       first grep walking the index from the highest id knows when no older id can still be newer.
-- Existing rows are kept and indexed by the consumer in the background (watermark 0); until then grep reads them
-- with LIKE, as before.
CREATE VIRTUAL TABLE logs_search USING fts5 (message, content = '', contentless_delete = 1, detail = none, tokenize = 'trigram');

CREATE TABLE log_search_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    watermark  INTEGER NOT NULL
) STRICT;
INSERT INTO log_search_state (id, watermark) VALUES (1, 0);

CREATE TABLE log_search_ranges (
    last_id        INTEGER PRIMARY KEY,
    max_timestamp  TEXT    NOT NULL
) STRICT;

-- Any deletion (retention, `aico logs rm`) takes the row out of the index. When the newest rows go too, SQLite hands
-- out their ids again: the watermark comes down to the highest id left so that a new row is never taken as indexed.
CREATE TRIGGER logs_search_delete AFTER DELETE ON logs
WHEN old.id <= (SELECT watermark FROM log_search_state WHERE id = 1)
BEGIN
    DELETE FROM logs_search WHERE rowid = old.id;
    UPDATE log_search_state SET watermark = (SELECT coalesce(max(id), 0) FROM logs)
    WHERE id = 1 AND watermark > (SELECT coalesce(max(id), 0) FROM logs);
    DELETE FROM log_search_ranges WHERE last_id > (SELECT watermark FROM log_search_state WHERE id = 1);
END;
