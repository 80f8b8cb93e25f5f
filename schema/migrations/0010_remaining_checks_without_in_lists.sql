-- 0010: the remaining CHECK constraints without IN lists, as 0009 did for staff: swipes,
-- credits, annual reviews and operators. SQLite evaluates `x IN (a, b, c, ...)` of three or more
-- constants by building a temporary b-tree of the list, and inside a CHECK it builds it again for
-- every row written: two per swipe (source, status), two per credit (source, review_status), one
-- per person marked for the bureau. The same rules as chains of `=` compare in place. SQLite
-- cannot alter a CHECK, so the tables are rebuilt (the migration runner turns foreign keys off
-- around migrations and checks every reference before the commit); the swipes' immutability
-- triggers and every index are made again.

CREATE TABLE swipes_new (
    id              TEXT PRIMARY KEY,
    terminal_id     TEXT NOT NULL REFERENCES terminals(id),
    terminal_seq    INTEGER,
    source          TEXT NOT NULL
        CHECK (source = 'reader' OR source = 'terminal' OR source = 'import' OR source = 'qr'
               OR source = 'keyboard' OR source = 'manual'),
    card_key        TEXT NOT NULL,
    staff_id        TEXT REFERENCES staff(id),
    raw             BLOB,
    swiped_at       TEXT NOT NULL,
    device_time     TEXT,
    received_at     TEXT NOT NULL,
    clock_offset_ms INTEGER,
    project_id      TEXT REFERENCES projects(id),
    status          TEXT NOT NULL
        CHECK (status = 'accepted' OR status = 'duplicate' OR status = 'unknown_card'),
    duplicate_of    TEXT REFERENCES swipes(id),
    UNIQUE (terminal_id, terminal_seq)
) STRICT;
INSERT INTO swipes_new(id, terminal_id, terminal_seq, source, card_key, staff_id, raw, swiped_at,
                       device_time, received_at, clock_offset_ms, project_id, status, duplicate_of)
    SELECT id, terminal_id, terminal_seq, source, card_key, staff_id, raw, swiped_at,
           device_time, received_at, clock_offset_ms, project_id, status, duplicate_of FROM swipes;
DROP TABLE swipes;
ALTER TABLE swipes_new RENAME TO swipes;
CREATE INDEX swipes_project_time ON swipes(project_id, swiped_at);
CREATE INDEX swipes_card_time ON swipes(card_key, swiped_at);
CREATE TRIGGER swipes_are_immutable_update BEFORE UPDATE ON swipes
BEGIN SELECT RAISE(ABORT, 'swipes are immutable'); END;
CREATE TRIGGER swipes_are_immutable_delete BEFORE DELETE ON swipes
BEGIN SELECT RAISE(ABORT, 'swipes are immutable'); END;

CREATE TABLE credits_new (
    id             TEXT PRIMARY KEY,
    staff_id       TEXT NOT NULL REFERENCES staff(id),
    cme_year       INTEGER NOT NULL,
    rule_set       TEXT NOT NULL,
    activity_date  TEXT NOT NULL,
    source         TEXT NOT NULL
        CHECK (source = 'attendance' OR source = 'speaker' OR source = 'remote' OR source = 'manual'
               OR source = 'import'),
    project_id     TEXT REFERENCES projects(id),
    project_code   TEXT,
    activity_name  TEXT NOT NULL,
    category       TEXT NOT NULL,
    credit_level   TEXT,
    class          TEXT CHECK (class = 'I' OR class = 'II'),
    credits_x100   INTEGER NOT NULL CHECK (credits_x100 >= 0),
    hours_x100     INTEGER NOT NULL CHECK (hours_x100 >= 0),
    subject        TEXT NOT NULL CHECK (subject = 'general' OR subject = 'professional'),
    issuer         TEXT NOT NULL,
    review_status  TEXT NOT NULL
        CHECK (review_status = 'draft' OR review_status = 'pending' OR review_status = 'returned'
               OR review_status = 'rejected' OR review_status = 'approved'),
    rate_json      TEXT,
    cap_x100       INTEGER,
    platform       TEXT,
    revoked_at     TEXT,
    revoked_reason TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
INSERT INTO credits_new(id, staff_id, cme_year, rule_set, activity_date, source, project_id,
                        project_code, activity_name, category, credit_level, class, credits_x100,
                        hours_x100, subject, issuer, review_status, rate_json, cap_x100, platform,
                        revoked_at, revoked_reason, created_at, updated_at)
    SELECT id, staff_id, cme_year, rule_set, activity_date, source, project_id,
           project_code, activity_name, category, credit_level, class, credits_x100,
           hours_x100, subject, issuer, review_status, rate_json, cap_x100, platform,
           revoked_at, revoked_reason, created_at, updated_at FROM credits;
DROP TABLE credits;
ALTER TABLE credits_new RENAME TO credits;
CREATE INDEX credits_staff_year ON credits(staff_id, cme_year);
CREATE INDEX credits_year ON credits(cme_year);
CREATE INDEX credits_project ON credits(project_id);

CREATE TABLE annual_reviews_new (
    staff_id           TEXT NOT NULL REFERENCES staff(id),
    cme_year           INTEGER NOT NULL,
    marked_at          TEXT NOT NULL,
    marked_by          TEXT NOT NULL,
    compliance         TEXT NOT NULL
        CHECK (compliance = 'compliant' OR compliance = 'non_compliant' OR compliance = 'exempt'),
    credits_x100       INTEGER NOT NULL,
    hours_x100         INTEGER NOT NULL,
    bureau_result      TEXT CHECK (bureau_result = 'passed' OR bureau_result = 'failed'),
    bureau_note        TEXT,
    bureau_recorded_at TEXT,
    PRIMARY KEY (staff_id, cme_year)
) STRICT, WITHOUT ROWID;
INSERT INTO annual_reviews_new(staff_id, cme_year, marked_at, marked_by, compliance, credits_x100,
                               hours_x100, bureau_result, bureau_note, bureau_recorded_at)
    SELECT staff_id, cme_year, marked_at, marked_by, compliance, credits_x100,
           hours_x100, bureau_result, bureau_note, bureau_recorded_at FROM annual_reviews;
DROP TABLE annual_reviews;
ALTER TABLE annual_reviews_new RENAME TO annual_reviews;
CREATE INDEX annual_reviews_year ON annual_reviews(cme_year);

CREATE TABLE users_new (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL
        CHECK (role = 'admin' OR role = 'officer' OR role = 'department_secretary' OR role = 'viewer'),
    department_id TEXT REFERENCES departments(id),
    password_hash TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
INSERT INTO users_new(username, display_name, role, department_id, password_hash, active,
                      created_at, updated_at)
    SELECT username, display_name, role, department_id, password_hash, active,
           created_at, updated_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
