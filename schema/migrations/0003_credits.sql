-- Credits engine (issue 5): credit records, manual-credit forms and review trails, evidence
-- files stored by their SHA-256, exemptions per person-year, and the rule set chosen per CME
-- year. Amounts are INTEGER hundredths (250 = 2.50) so that sums and caps are exact.

CREATE TABLE credits (
    id             TEXT PRIMARY KEY,
    staff_id       TEXT NOT NULL REFERENCES staff(id),
    cme_year       INTEGER NOT NULL,
    rule_set       TEXT NOT NULL,
    activity_date  TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('attendance', 'speaker', 'remote', 'manual', 'import')),
    project_id     TEXT REFERENCES projects(id),
    project_code   TEXT,
    activity_name  TEXT NOT NULL,
    category       TEXT NOT NULL,
    credit_level   TEXT,
    class          TEXT CHECK (class IN ('I', 'II')),
    credits_x100   INTEGER NOT NULL CHECK (credits_x100 >= 0),
    hours_x100     INTEGER NOT NULL CHECK (hours_x100 >= 0),
    subject        TEXT NOT NULL CHECK (subject IN ('general', 'professional')),
    issuer         TEXT NOT NULL,
    review_status  TEXT NOT NULL
        CHECK (review_status IN ('draft', 'pending', 'returned', 'rejected', 'approved')),
    -- The rate and cap used, copied from the rule set when the credit was recorded.
    rate_json      TEXT,
    cap_x100       INTEGER,
    platform       TEXT,
    -- Revoking is an event (audit log + outbox); the row stays so history can be shown.
    revoked_at     TEXT,
    revoked_reason TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX credits_staff_year ON credits(staff_id, cme_year);
CREATE INDEX credits_year ON credits(cme_year);
CREATE INDEX credits_project ON credits(project_id);

-- The form a manual credit was entered with, and its review trail (department → hospital).
CREATE TABLE manual_credits (
    credit_id  TEXT PRIMARY KEY REFERENCES credits(id),
    form_json  TEXT NOT NULL,
    trail_json TEXT NOT NULL
) STRICT;

-- Evidence files, stored once per content hash.
CREATE TABLE evidence_files (
    sha256  TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    size    INTEGER NOT NULL,
    content BLOB NOT NULL
) STRICT;

CREATE TABLE credit_evidence (
    credit_id TEXT NOT NULL REFERENCES credits(id),
    sha256    TEXT NOT NULL REFERENCES evidence_files(sha256),
    file_name TEXT NOT NULL,
    PRIMARY KEY (credit_id, sha256)
) STRICT;

-- 不计达标 for one person and year, with the reason.
CREATE TABLE compliance_exemptions (
    staff_id   TEXT NOT NULL REFERENCES staff(id),
    cme_year   INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (staff_id, cme_year)
) STRICT;

-- Which rule set (schema/rules) the hospital applies to a CME year; absent: the national one.
CREATE TABLE cme_year_rule_sets (
    cme_year INTEGER PRIMARY KEY,
    rule_set TEXT NOT NULL
) STRICT;
