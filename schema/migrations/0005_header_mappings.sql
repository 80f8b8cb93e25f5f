-- Header mappings (表头对照, issue 6): a header a template does not know, mapped once by an
-- officer to one of the template's fields and remembered for later imports. `header` is the
-- folded form (whitespace removed, full-width folded, ASCII upper-cased) the importer compares.

CREATE TABLE header_mappings (
    id         TEXT PRIMARY KEY,
    template   TEXT NOT NULL,
    header     TEXT NOT NULL,
    field      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (template, header)
);
