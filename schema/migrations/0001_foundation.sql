-- 0001: the desk's foundation: identity, operators, roster, projects, audit log, outbox.
-- Applied migrations are never edited; change the schema with a new file.

CREATE TABLE desk_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE departments (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES departments(id),
    name       TEXT NOT NULL,
    sort       INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX departments_sibling_name ON departments(COALESCE(parent_id, ''), name);

CREATE TABLE users (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'department_secretary', 'viewer')),
    department_id TEXT REFERENCES departments(id),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    gender        TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    id_number     TEXT NOT NULL UNIQUE,
    birth_date    TEXT NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments(id),
    title         TEXT,
    title_level   TEXT CHECK (title_level IN ('junior', 'intermediate', 'associate_senior', 'senior')),
    profession    TEXT,
    phone         TEXT,
    status        TEXT NOT NULL
        CHECK (status IN ('active', 'maternity', 'exempt', 'cancelled', 'transferred_out')),
    note          TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE INDEX staff_name ON staff(name);
CREATE INDEX staff_department ON staff(department_id);

CREATE TABLE staff_status_history (
    id           INTEGER PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    reason       TEXT,
    recorded_at  TEXT NOT NULL,
    operator     TEXT NOT NULL
) STRICT;
CREATE INDEX staff_status_history_staff ON staff_status_history(staff_id);

CREATE TABLE staff_transfers (
    id                 INTEGER PRIMARY KEY,
    staff_id           TEXT NOT NULL REFERENCES staff(id),
    from_department_id TEXT NOT NULL REFERENCES departments(id),
    to_department_id   TEXT NOT NULL REFERENCES departments(id),
    effective_on       TEXT NOT NULL,
    reason             TEXT,
    recorded_at        TEXT NOT NULL,
    operator           TEXT NOT NULL
) STRICT;
CREATE INDEX staff_transfers_staff ON staff_transfers(staff_id);

-- A card key is canonical (`ic:<card number>`, `uid:<HEX>`, `em:<HEX>`); a revoked card stays
-- here so a lost card can never come back as somebody else's.
CREATE TABLE cards (
    card_key      TEXT PRIMARY KEY,
    staff_id      TEXT NOT NULL REFERENCES staff(id),
    issued_at     TEXT NOT NULL,
    revoked_at    TEXT,
    revoke_reason TEXT,
    replaced_by   TEXT
) STRICT;
CREATE INDEX cards_staff ON cards(staff_id);
CREATE UNIQUE INDEX cards_one_active_per_staff ON cards(staff_id) WHERE revoked_at IS NULL;

-- The provincial/national list of approved projects: a hosted project is selected from it.
CREATE TABLE approved_projects (
    id                TEXT PRIMARY KEY,
    code              TEXT NOT NULL UNIQUE,
    year              INTEGER NOT NULL,
    name              TEXT NOT NULL,
    credit_level      TEXT NOT NULL,
    discipline        TEXT,
    organizer         TEXT,
    lead              TEXT,
    planned_start     TEXT,
    planned_end       TEXT,
    venue             TEXT,
    credits           REAL NOT NULL,
    total_hours       REAL NOT NULL,
    planned_enrolment INTEGER,
    source            TEXT NOT NULL,
    created_at        TEXT NOT NULL
) STRICT;

CREATE TABLE projects (
    id                  TEXT PRIMARY KEY,
    approved_project_id TEXT NOT NULL UNIQUE REFERENCES approved_projects(id),
    year                INTEGER NOT NULL,
    code                TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    credit_level        TEXT NOT NULL,
    delivery            TEXT,
    credits             REAL NOT NULL,
    total_hours         REAL NOT NULL,
    lecture_hours       REAL,
    practical_hours     REAL,
    discipline2         TEXT,
    discipline3         TEXT,
    venue               TEXT,
    planned_start       TEXT,
    planned_end         TEXT,
    lead                TEXT,
    handler             TEXT,
    handler_phone       TEXT,
    filed_at_venue      INTEGER NOT NULL DEFAULT 0,
    exam_required       INTEGER NOT NULL DEFAULT 0,
    fee                 REAL,
    other_code          TEXT,
    note                TEXT,
    state               TEXT NOT NULL CHECK (state IN
        ('draft', 'submitted', 'approved', 'rejected', 'held', 'credits_granted', 'closed')),
    state_reason        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX projects_year ON projects(year);

CREATE TABLE courses (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects(id),
    title            TEXT NOT NULL,
    hours            REAL NOT NULL,
    speaker_staff_id TEXT REFERENCES staff(id),
    speaker_name     TEXT NOT NULL,
    speaker_unit     TEXT,
    sort             INTEGER NOT NULL
) STRICT;
CREATE INDEX courses_project ON courses(project_id);

CREATE TABLE holding_periods (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    starts_on  TEXT NOT NULL,
    ends_on    TEXT NOT NULL,
    CHECK (starts_on <= ends_on)
) STRICT;
CREATE INDEX holding_periods_project ON holding_periods(project_id);

CREATE TABLE attendance_windows (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects(id),
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    label      TEXT,
    CHECK (starts_at < ends_at)
) STRICT;
CREATE INDEX attendance_windows_project ON attendance_windows(project_id);

-- Who changed what, hash-chained so a edited or deleted row is detected.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    operator  TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before    TEXT,
    after     TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);

-- Changes waiting to be pushed to the exchange server; site_seq is gapless per desk.
CREATE TABLE outbox (
    site_seq   INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL UNIQUE,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    pushed_at  TEXT
) STRICT;
