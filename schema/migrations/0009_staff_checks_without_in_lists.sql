-- 0010: staff's CHECK constraints without IN lists. SQLite evaluates `x IN (a, b, c, ...)` of
-- three or more constants by building a temporary b-tree of the list, and inside a CHECK it
-- builds it again for every row written: two temporary databases opened, filled and closed per
-- person (title_level, status), about a quarter of the CPU of a 100,000-staff insert. The same
-- rules as chains of `=` compare in place. SQLite cannot alter a CHECK, so the table is rebuilt
-- (the migration runner turns foreign keys off around migrations and checks them before commit).
CREATE TABLE staff_new (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    gender        TEXT NOT NULL CHECK (gender = 'male' OR gender = 'female'),
    id_number     TEXT NOT NULL UNIQUE,
    birth_date    TEXT NOT NULL,
    department_id TEXT NOT NULL REFERENCES departments(id),
    title         TEXT,
    title_level   TEXT CHECK (title_level = 'junior' OR title_level = 'intermediate'
                              OR title_level = 'associate_senior' OR title_level = 'senior'),
    profession    TEXT,
    phone         TEXT,
    status        TEXT NOT NULL
        CHECK (status = 'active' OR status = 'maternity' OR status = 'exempt'
               OR status = 'cancelled' OR status = 'transferred_out'),
    note          TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO staff_new(id, name, gender, id_number, birth_date, department_id, title, title_level,
                      profession, phone, status, note, created_at, updated_at)
    SELECT id, name, gender, id_number, birth_date, department_id, title, title_level,
           profession, phone, status, note, created_at, updated_at FROM staff;
DROP TABLE staff;
ALTER TABLE staff_new RENAME TO staff;
CREATE INDEX staff_name ON staff(name);
CREATE INDEX staff_department ON staff(department_id);
