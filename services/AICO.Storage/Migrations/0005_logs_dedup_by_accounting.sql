-- The log consumer de-duplicates by its per-producer accounting instead of a unique index (see docs/decisions.md,
-- issue 9): log_producers keeps, besides the highest contiguous sequence, the committed ranges above it
-- ("first-last,first-last"), read and written inside every write transaction. The unique index cost the writer a
-- b-tree insert per row and served no query. Existing rows are kept; the ranges of existing producers are computed
-- from the rows above their contiguous mark (gaps and islands) before the index goes.
ALTER TABLE log_producers ADD COLUMN committed_above TEXT NOT NULL DEFAULT '';

UPDATE log_producers
SET committed_above = coalesce((
    SELECT group_concat(first || '-' || last, ',' ORDER BY first)
    FROM (SELECT min(sequence) AS first, max(sequence) AS last
          FROM (SELECT sequence, sequence - row_number() OVER (ORDER BY sequence) AS island
                FROM logs
                WHERE logs.producer = log_producers.producer AND logs.sequence > log_producers.contiguous)
          GROUP BY island)), '')
WHERE max_sequence > contiguous;

DROP INDEX ux_logs_producer_sequence;
