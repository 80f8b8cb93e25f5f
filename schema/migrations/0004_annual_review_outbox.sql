-- 0004: the annual review (年度审验, W7), and the outbox without its op_id index. Per CME year,
-- the hospital's initial-review deadline when it is not the default (10 September of the
-- year); per person-year, the marking for the health bureau (报卫生局), which locks that
-- person's credits of the year, with the compliance sent and the bureau's result.

CREATE TABLE annual_review_years (
    cme_year          INTEGER PRIMARY KEY,
    initial_review_by TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;

CREATE TABLE annual_reviews (
    staff_id           TEXT NOT NULL REFERENCES staff(id),
    cme_year           INTEGER NOT NULL,
    marked_at          TEXT NOT NULL,
    marked_by          TEXT NOT NULL,
    compliance         TEXT NOT NULL CHECK (compliance IN ('compliant', 'non_compliant', 'exempt')),
    credits_x100       INTEGER NOT NULL,
    hours_x100         INTEGER NOT NULL,
    bureau_result      TEXT CHECK (bureau_result IN ('passed', 'failed')),
    bureau_note        TEXT,
    bureau_recorded_at TEXT,
    PRIMARY KEY (staff_id, cme_year)
) STRICT, WITHOUT ROWID;
CREATE INDEX annual_reviews_year ON annual_reviews(cme_year);

-- The outbox keeps no index on op_id: op ids are UUIDv7 minted by this desk (unique by
-- construction), nothing here looks an op up by its id, and the exchange server deduplicates
-- on its own side. The index was a b-tree insert per recorded change (a tenth of a roster
-- import's work). SQLite cannot drop a column constraint, so the table is rebuilt.
CREATE TABLE outbox_rebuilt (
    site_seq   INTEGER PRIMARY KEY,
    op_id      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    op         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    pushed_at  TEXT
) STRICT;
INSERT INTO outbox_rebuilt(site_seq, op_id, entity, entity_id, op, payload, created_at, pushed_at)
    SELECT site_seq, op_id, entity, entity_id, op, payload, created_at, pushed_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
