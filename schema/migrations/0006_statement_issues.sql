-- Credit statements issued (学分记录明细表, issue 7): one row per printed statement, keyed by the
-- 20-character short 验证码 printed on it, so a code read off paper can be looked up here. The
-- canonical hash is SHA-256 of the statement's canonical bytes; `code` is the full signed
-- `CME1:` code the QR carries. The signing key itself never enters the database.
CREATE TABLE statement_issues (
    short_code       TEXT PRIMARY KEY CHECK (length(short_code) = 23),
    staff_id         TEXT NOT NULL REFERENCES staff(id),
    cme_year         INTEGER NOT NULL,
    canonical_sha256 TEXT NOT NULL CHECK (length(canonical_sha256) = 64),
    key_id           TEXT NOT NULL CHECK (length(key_id) = 8),
    code             TEXT NOT NULL,
    rows             INTEGER NOT NULL,
    credits_x100     INTEGER NOT NULL,
    hours_x100       INTEGER NOT NULL,
    issued_at        TEXT NOT NULL,
    issued_by        TEXT NOT NULL
) STRICT;
CREATE INDEX statement_issues_staff ON statement_issues(staff_id, cme_year);
