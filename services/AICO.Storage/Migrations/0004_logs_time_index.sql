-- Newest-first filters read the time index and test level and producer (component) from the index entry itself,
-- fetching a table row only for a match: a rare level or component costs an index scan, not a row per record.
-- id is part of the key so that the index order is exactly ORDER BY timestamp, id (LogQuery's order).
-- This replaces ix_logs_timestamp and the partial ix_logs_severe of migration 0003.
DROP INDEX ix_logs_severe;
DROP INDEX ix_logs_timestamp;
CREATE INDEX ix_logs_time ON logs (timestamp, id, level, producer);
