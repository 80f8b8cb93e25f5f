-- 0007: pulling the exchange server's log into the desk database.
-- Pulled changes are written to domain rows and to the audit log (operator `sync`), but never to
-- the outbox, so audit seq and outbox site_seq part ways from the first pull on: each outbox row
-- names its audit row.
ALTER TABLE outbox ADD COLUMN audit_seq INTEGER;
UPDATE outbox SET audit_seq = site_seq;
CREATE INDEX outbox_entity ON outbox(entity, entity_id);

-- The confirmed replica (what the server's log says): each field of a mergeable row with the
-- hybrid-logical-clock stamp of the edit that set it ...
CREATE TABLE sync_fields (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL, -- JSON
    hlc       TEXT NOT NULL, -- Hlc's sortable text form
    op_id     TEXT NOT NULL,
    PRIMARY KEY (entity, entity_id, field)
) STRICT, WITHOUT ROWID;

-- ... each immutable event once, by id ...
CREATE TABLE sync_events (
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    data      TEXT NOT NULL, -- JSON
    PRIMARY KEY (entity, entity_id)
) STRICT, WITHOUT ROWID;

-- ... and every op merged (a replayed log changes nothing).
CREATE TABLE sync_applied (
    op_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- An own field edit as first pushed: its clock reading and, per field, the stamp of the value the
-- desk showed when the edit was made. Frozen before any pull can change those stamps, so a
-- re-pushed op hashes the same.
CREATE TABLE sync_frozen_ops (
    site_seq INTEGER PRIMARY KEY,
    body     TEXT NOT NULL -- JSON OpBody::Fields
) STRICT;

-- Own ops the server settled without logging them (duplicate, rejected): never pulled back.
CREATE TABLE sync_settled_own (
    op_id   TEXT PRIMARY KEY,
    outcome TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Fields changed on two desks concurrently: the higher clock won, the other value is kept here
-- until an officer resolves it (keep the winner, or re-apply the loser as a new edit).
CREATE TABLE sync_conflicts (
    id            INTEGER PRIMARY KEY,
    server_seq    INTEGER NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     TEXT NOT NULL,
    field         TEXT NOT NULL,
    winner        TEXT NOT NULL,
    winner_hlc    TEXT NOT NULL,
    winner_op_id  TEXT NOT NULL,
    loser         TEXT NOT NULL,
    loser_hlc     TEXT NOT NULL,
    loser_op_id   TEXT NOT NULL,
    detected_at   TEXT NOT NULL,
    -- Why a whole row was refused (field `*`), e.g. the local schema's unique ID number.
    note          TEXT,
    resolved_at   TEXT,
    resolved_by   TEXT,
    resolution    TEXT CHECK (resolution IN ('keep_winner', 'take_loser'))
) STRICT;
CREATE INDEX sync_conflicts_open ON sync_conflicts(resolved_at, id);
