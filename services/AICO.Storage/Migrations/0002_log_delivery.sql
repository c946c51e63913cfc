-- Delivery accounting of the log pipeline, per producer (component/instance): what was committed, what arrived
-- twice (resends after a lost acknowledgement), which sequence numbers are still missing, and the highest
-- contiguous sequence the consumer acknowledges.
CREATE TABLE log_producers (
    producer      TEXT    PRIMARY KEY,
    component     TEXT    NOT NULL,
    received      INTEGER NOT NULL DEFAULT 0,
    duplicates    INTEGER NOT NULL DEFAULT 0,
    gaps          INTEGER NOT NULL DEFAULT 0,
    contiguous    INTEGER NOT NULL DEFAULT 0,
    max_sequence  INTEGER NOT NULL DEFAULT 0,
    first_seen    TEXT    NOT NULL,
    last_seen     TEXT    NOT NULL
) STRICT;
