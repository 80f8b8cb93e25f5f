//! Template definitions (模板): the columns a provincial or hospital spreadsheet carries, read from
//! `schema/templates/*.toml` and embedded in the binary, so a new header synonym is a data change,
//! not a code change.

use serde::{Deserialize, Serialize};

use crate::error::{Result, SheetsError};

/// The shipped template files, embedded at build time.
const SOURCES: &[(&str, &str)] = &[
    ("staff-roster", include_str!("../../../schema/templates/staff-roster.toml")),
    ("approved-projects", include_str!("../../../schema/templates/approved-projects.toml")),
    ("credit-list", include_str!("../../../schema/templates/credit-list.toml")),
    ("annual-review", include_str!("../../../schema/templates/annual-review.toml")),
    ("attendance-detail", include_str!("../../../schema/templates/attendance-detail.toml")),
    ("compliance-report", include_str!("../../../schema/templates/compliance-report.toml")),
    ("remote-learning", include_str!("../../../schema/templates/remote-learning.toml")),
    ("remote-credit-upload", include_str!("../../../schema/templates/remote-credit-upload.toml")),
];

/// What a column holds, and so how its cells are cleaned on import and written on export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ColumnType {
    Text,
    Integer,
    Decimal,
    Date,
    /// `2015-8-3至2015-8-5`, or one date for a one-day event.
    DateRange,
    /// One of `choices`, matched by value, label or alias.
    Enum,
    /// Resident ID number (GB 11643), validated and normalised by the core.
    IdNumber,
    /// A card number: digits kept as text; a cell stored as a number is flagged.
    CardNumber,
}

impl ColumnType {
    /// Written as text on export so Excel never turns it into `3.2E+16` or drops a leading zero.
    pub fn is_text_key(self) -> bool {
        matches!(self, ColumnType::IdNumber | ColumnType::CardNumber)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export, rename = "TemplateChoice")]
pub struct Choice {
    /// The stable value handed to the core (`male`, `associate_senior`, …).
    pub value: String,
    /// What the sheet shows on export.
    pub label: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export, rename = "TemplateColumn")]
pub struct Column {
    /// The target field name in the core input type.
    pub field: String,
    /// The header written on export.
    pub header: String,
    /// Headers accepted on import (compared after [`fold_header`]); `header` is always accepted.
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub max_chars: Option<usize>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// A key that may appear only once in a file (the ID number of a roster, a project code):
    /// later repeats are rejected, naming the first row.
    #[serde(default)]
    pub unique: bool,
}

impl Column {
    /// True when `folded` (already passed through [`fold_header`]) names this column.
    pub fn matches(&self, folded: &str) -> bool {
        fold_header(&self.header) == folded || self.synonyms.iter().any(|s| fold_header(s) == folded)
    }

    /// The choice a cleaned text names, by value, label or alias (full-width folded, case-blind).
    pub fn choice(&self, text: &str) -> Option<&Choice> {
        // Most cells hold a label exactly as the template writes it: no folding, no allocation.
        let exact = self
            .choices
            .iter()
            .find(|c| c.label == text || c.value == text || c.aliases.iter().any(|a| a == text));
        if exact.is_some() {
            return exact;
        }
        let t = fold_header(text);
        self.choices.iter().find(|c| {
            fold_header(&c.value) == t
                || fold_header(&c.label) == t
                || c.aliases.iter().any(|a| fold_header(a) == t)
        })
    }
}

/// Where a template's imported rows go in the core.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "TemplateTarget")]
pub enum Target {
    Staff,
    ApprovedProject,
    /// Learning records judged for one hosted project's credits (the import names the project).
    RemoteLearning,
}

#[derive(Debug, Clone, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
#[ts(export, rename = "SheetTemplate")]
pub struct Template {
    pub name: String,
    /// The sheet title (also the worksheet name on export).
    pub title: String,
    pub description: String,
    /// The core entity rows are committed to; `None` for definition-only templates.
    #[serde(default)]
    pub target: Option<Target>,
    /// Why a template without a target is not imported, for the wizard (Chinese).
    #[serde(default)]
    #[ts(optional)]
    pub import_note: Option<String>,
    pub columns: Vec<Column>,
}

impl Template {
    /// Every shipped template, in the order above.
    pub fn all() -> Result<Vec<Template>> {
        SOURCES.iter().map(|(name, src)| parse(name, src)).collect()
    }

    /// The shipped template called `name` (the CLI's `TEMPLATE` argument).
    pub fn get(name: &str) -> Result<Template> {
        let (n, src) =
            SOURCES.iter().find(|(n, _)| *n == name.trim()).ok_or_else(|| SheetsError::UnknownTemplate {
                name: name.to_string(),
                known: SOURCES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            })?;
        parse(n, src)
    }

    /// Rows are committed to the desk (otherwise only checked).
    pub fn importable(&self) -> bool {
        self.target.is_some()
    }

    /// The import needs the project the rows are for (remote learning).
    pub fn needs_project(&self) -> bool {
        self.target == Some(Target::RemoteLearning)
    }

    pub fn column(&self, field: &str) -> Option<(usize, &Column)> {
        self.columns.iter().enumerate().find(|(_, c)| c.field == field)
    }
}

fn parse(name: &str, src: &str) -> Result<Template> {
    let t: Template = toml::from_str(src)
        .map_err(|e| SheetsError::BadTemplate { name: name.to_string(), reason: e.to_string() })?;
    check(name, &t)?;
    Ok(t)
}

/// A template must be unambiguous: file name and `name` agree, fields unique, no header synonym
/// claimed by two columns, enums with choices, numeric bounds ordered.
fn check(file: &str, t: &Template) -> Result<()> {
    let bad = |reason: String| SheetsError::BadTemplate { name: file.to_string(), reason };
    if t.name != file {
        return Err(bad(format!("name {:?} differs from the file name", t.name)));
    }
    if t.columns.is_empty() {
        return Err(bad("no columns".into()));
    }
    let mut seen_fields = std::collections::HashSet::new();
    let mut seen_headers: std::collections::HashMap<String, &str> = Default::default();
    for c in &t.columns {
        if !seen_fields.insert(c.field.as_str()) {
            return Err(bad(format!("field {:?} appears twice", c.field)));
        }
        for h in std::iter::once(&c.header).chain(&c.synonyms) {
            let f = fold_header(h);
            if f.is_empty() {
                return Err(bad(format!("column {:?} has an empty header", c.field)));
            }
            if let Some(other) = seen_headers.insert(f.clone(), &c.field)
                && other != c.field
            {
                return Err(bad(format!("header {h:?} claimed by both {other:?} and {:?}", c.field)));
            }
        }
        if (c.kind == ColumnType::Enum) == c.choices.is_empty() {
            return Err(bad(format!(
                "column {:?}: choices belong to enum columns, and enum columns need them",
                c.field
            )));
        }
        if let (Some(lo), Some(hi)) = (c.min, c.max)
            && lo > hi
        {
            return Err(bad(format!("column {:?}: min > max", c.field)));
        }
    }
    Ok(())
}

/// Folds a header (or a short label) for comparison: drops every whitespace character (people
/// write `姓  名`, `身份证\n号码`), folds full-width ASCII forms (`（`, `％`, `Ａ`) and the ideographic
/// space, upper-cases ASCII, and drops a required-marker `*` and a trailing `(必填)`/`(选填)`.
pub fn fold_header(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(fold_char)
        .filter(|c| *c != '*')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    for suffix in ["(必填)", "(选填)", "(必填项)"] {
        if let Some(stripped) = s.strip_suffix(suffix) {
            s = stripped.to_string();
        }
    }
    s
}

/// Full-width ASCII variants (U+FF01–U+FF5E) to ASCII; everything else unchanged.
pub fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}
