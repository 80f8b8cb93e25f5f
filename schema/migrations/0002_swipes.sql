-- 0002: card terminals and swipes. A swipe is an immutable event: attendance and credits are
-- derived from swipes, and corrections are new events, never edits.

CREATE TABLE terminals (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    -- What identifies the device across re-plugs: USB serial number, VID:PID, or a path.
    port_identity   TEXT,
    -- device clock − host clock at the last pull, in milliseconds.
    clock_offset_ms INTEGER,
    -- The highest device sequence number committed from this terminal.
    last_seq        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX terminals_identity ON terminals(kind, port_identity) WHERE port_identity IS NOT NULL;

CREATE TABLE swipes (
    id              TEXT PRIMARY KEY,
    terminal_id     TEXT NOT NULL REFERENCES terminals(id),
    -- The device's own sequence number (storing terminals, log files); NULL for live readers.
    terminal_seq    INTEGER,
    source          TEXT NOT NULL CHECK (source IN ('reader', 'terminal', 'import', 'qr', 'keyboard', 'manual')),
    card_key        TEXT NOT NULL,
    -- The card's holder when the swipe was taken (NULL: unknown card, resolvable later).
    staff_id        TEXT REFERENCES staff(id),
    raw             BLOB,
    -- The best estimate of when the card was read: device time corrected by the clock offset,
    -- else the time the host received it.
    swiped_at       TEXT NOT NULL,
    device_time     TEXT,
    received_at     TEXT NOT NULL,
    clock_offset_ms INTEGER,
    project_id      TEXT REFERENCES projects(id),
    status          TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate', 'unknown_card')),
    duplicate_of    TEXT REFERENCES swipes(id),
    UNIQUE (terminal_id, terminal_seq)
) STRICT;
CREATE INDEX swipes_project_time ON swipes(project_id, swiped_at);
CREATE INDEX swipes_card_time ON swipes(card_key, swiped_at);

CREATE TRIGGER swipes_are_immutable_update BEFORE UPDATE ON swipes
BEGIN SELECT RAISE(ABORT, 'swipes are immutable'); END;
CREATE TRIGGER swipes_are_immutable_delete BEFORE DELETE ON swipes
BEGIN SELECT RAISE(ABORT, 'swipes are immutable'); END;
