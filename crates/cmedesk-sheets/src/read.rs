//! Reading a workbook against a template: find the header row among title and notes rows, map
//! its cells to template columns, then clean every data row, collecting per-cell rejections named
//! the way Excel shows them (row number, column letter, header text).

use std::{collections::HashMap, path::Path};

use calamine::{Data, Range, Reader, open_workbook_auto};
use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    error::{Result, SheetsError},
    template::{Template, fold_header},
    value::{self, Value, column_letter},
};

/// How many rows from the top may hold titles and notes before the header.
pub const HEADER_SCAN_ROWS: usize = 20;

/// Notes rows (填报单位：…, 制表人：…, 合计) start with one of these, after folding.
const NOTES_PREFIXES: &[&str] = &[
    "填报单位",
    "填表单位",
    "制表单位",
    "制表人",
    "填表人",
    "填报人",
    "审核人",
    "制表日期",
    "填报日期",
    "填表日期",
    "备注:",
    "说明:",
    "注:",
    "合计",
    "总计",
    "单位负责人",
    "单位(盖章)",
];

/// The first worksheet with data, as calamine read it.
pub struct Sheet {
    pub name: String,
    pub range: Range<Data>,
}

/// Opens `.xlsx`, `.xls`, `.xlsm`, `.ods`, and returns the first worksheet that holds cells.
pub fn open(path: &Path) -> Result<Sheet> {
    let read_err = |reason: String| SheetsError::Read { path: path.display().to_string(), reason };
    let mut wb = open_workbook_auto(path).map_err(|e| read_err(e.to_string()))?;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| read_err(e.to_string()))?;
        if !range.is_empty() {
            return Ok(Sheet { name, range });
        }
    }
    Err(SheetsError::EmptyWorkbook { path: path.display().to_string() })
}

/// A sheet column mapped to a template column.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct MappedColumn {
    pub field: String,
    /// The header as written in the file.
    pub header: String,
    /// The column letter Excel shows (`C`).
    pub letter: String,
    /// 0-based absolute sheet column.
    #[serde(skip)]
    #[ts(skip)]
    pub sheet_col: u32,
    #[serde(skip)]
    #[ts(skip)]
    pub template_index: usize,
}

/// One rejected cell (or row, when `letter` is empty): the row is not imported.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Rejection {
    /// The row number Excel shows (1-based).
    pub row: u32,
    /// `身份证号（C列）`, or empty for a whole-row problem.
    pub column: String,
    pub header: String,
    pub letter: String,
    /// Why, in Chinese.
    pub reason: String,
}

/// Accepted with a remark (an upgraded 15-digit ID, a card number stored as a number).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export, rename = "SheetWarning")]
pub struct Warning {
    pub row: u32,
    pub column: String,
    pub message: String,
}

/// A cleaned data row: values in template column order (absent columns are `Empty`).
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub row: u32,
    pub values: Vec<Value>,
    /// The gender the row's ID number encodes, when it has one.
    pub id_gender: Option<cmedesk_core::id_number::Gender>,
}

/// Choices the user made for headers the template does not know (`原单位` → `department`).
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Raw header text (folded before use) → template field.
    pub header_map: HashMap<String, String>,
    /// Called every few thousand rows with (rows done, rows total) for a progress bar.
    pub progress_every: usize,
}

/// A sheet read against a template, before anything touches the desk.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export, rename = "ParsedSheet")]
pub struct Parsed {
    pub template: String,
    pub sheet: String,
    /// Excel row number of the header.
    pub header_row: u32,
    pub mapping: Vec<MappedColumn>,
    /// Headers present in the file that map to nothing (ignored).
    pub unmapped: Vec<String>,
    #[serde(skip)]
    #[ts(skip)]
    pub records: Vec<Record>,
    pub rejected: Vec<Rejection>,
    pub warnings: Vec<Warning>,
    /// Data rows seen (blank and notes rows excluded).
    pub data_rows: usize,
    pub skipped_blank: usize,
    pub skipped_notes: usize,
}

impl Parsed {
    pub fn mapped(&self, field: &str) -> Option<&MappedColumn> {
        self.mapping.iter().find(|m| m.field == field)
    }

    /// Rejects a whole record later (a department that does not exist, a code already on the
    /// desk), naming the column when known.
    pub fn reject(&mut self, row: u32, field: Option<&str>, reason: String) {
        let m = field.and_then(|f| self.mapped(f)).cloned();
        self.rejected.push(rejection(row, m.as_ref(), reason));
    }

    /// Rows with any rejection, sorted, for the error report.
    pub fn rejected_rows(&self) -> Vec<u32> {
        let mut rows: Vec<u32> = self.rejected.iter().map(|r| r.row).collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

fn rejection(row: u32, m: Option<&MappedColumn>, reason: String) -> Rejection {
    match m {
        Some(m) => Rejection {
            row,
            column: format!("{}（{}列）", m.header, m.letter),
            header: m.header.clone(),
            letter: m.letter.clone(),
            reason,
        },
        None => {
            Rejection { row, column: String::new(), header: String::new(), letter: String::new(), reason }
        }
    }
}

/// Text of a cell for header matching and notes detection.
fn cell_text(c: &Data) -> Option<String> {
    match c {
        Data::String(s) => Some(s.clone()),
        Data::Empty => None,
        Data::Float(f) => Some(f.to_string()),
        Data::Int(i) => Some(i.to_string()),
        other => Some(other.to_string()),
    }
    .filter(|s| !s.trim().is_empty())
}

/// [`NOTES_PREFIXES`] folded once.
fn notes_prefixes() -> &'static [String] {
    static FOLDED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FOLDED.get_or_init(|| NOTES_PREFIXES.iter().map(|p| fold_header(p)).collect())
}

fn is_notes_row(row: &[Data]) -> bool {
    // Only a text cell can open a notes row; look at the first non-empty cell's first characters.
    let Some(first) = row.iter().find(|c| !matches!(c, Data::Empty)) else { return false };
    let Data::String(s) = first else { return false };
    let head: String = s.chars().filter(|c| !c.is_whitespace()).take(12).collect();
    let f = fold_header(&head);
    notes_prefixes().iter().any(|p| f.starts_with(p.as_str()))
}

/// Finds the header row: the row among the first [`HEADER_SCAN_ROWS`] naming the most template
/// columns (at least two), and maps its cells.
fn find_header(
    template: &Template,
    range: &Range<Data>,
    opts: &ReadOptions,
) -> Result<(usize, Vec<MappedColumn>, Vec<String>)> {
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let overrides: HashMap<String, &str> =
        opts.header_map.iter().map(|(h, f)| (fold_header(h), f.as_str())).collect();
    let map_row = |row: &[Data]| {
        let mut mapped: Vec<MappedColumn> = Vec::new();
        let mut unmapped = Vec::new();
        for (i, c) in row.iter().enumerate() {
            let Some(text) = cell_text(c) else { continue };
            let folded = fold_header(&text);
            let index = match overrides.get(&folded) {
                Some(field) => template.columns.iter().position(|c| c.field == *field),
                None => template.columns.iter().position(|c| c.matches(&folded)),
            };
            match index {
                // The first of two columns with the same header wins; the second is ignored.
                Some(ti) if !mapped.iter().any(|m| m.template_index == ti) => {
                    let sheet_col = col0 + i as u32;
                    mapped.push(MappedColumn {
                        field: template.columns[ti].field.clone(),
                        header: text.split_whitespace().collect::<Vec<_>>().join(" "),
                        letter: column_letter(sheet_col),
                        sheet_col,
                        template_index: ti,
                    })
                }
                _ => unmapped.push(text.split_whitespace().collect::<Vec<_>>().join(" ")),
            }
        }
        (mapped, unmapped)
    };
    let best = range
        .rows()
        .take(HEADER_SCAN_ROWS)
        .enumerate()
        .map(|(i, row)| (i, map_row(row)))
        .max_by_key(|(i, (m, _))| (m.len(), std::cmp::Reverse(*i)))
        .filter(|(_, (m, _))| m.len() >= 2.min(template.columns.len()));
    let Some((index, (mapped, unmapped))) = best else {
        return Err(SheetsError::HeaderNotFound { scanned: HEADER_SCAN_ROWS.min(range.height()) });
    };
    let missing: Vec<&str> = template
        .columns
        .iter()
        .enumerate()
        .filter(|(ti, c)| c.required && !mapped.iter().any(|m| m.template_index == *ti))
        .map(|(_, c)| c.header.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(SheetsError::MissingColumns {
            row: row0 + index as u32 + 1,
            missing: missing.join("、"),
        });
    }
    Ok((index, mapped, unmapped))
}

/// Reads `sheet` against `template`. `today` bounds ID birth dates. `progress(done, total)` is
/// called every `opts.progress_every` rows when that is non-zero.
pub fn parse(
    template: &Template,
    sheet: &Sheet,
    today: NaiveDate,
    opts: &ReadOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Parsed> {
    let range = &sheet.range;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let (header_index, mapping, unmapped) = find_header(template, range, opts)?;
    let ncols = template.columns.len();
    let total = range.height().saturating_sub(header_index + 1);
    let mut parsed = Parsed {
        template: template.name.clone(),
        sheet: sheet.name.clone(),
        header_row: row0 + header_index as u32 + 1,
        mapping,
        unmapped,
        records: Vec::with_capacity(total),
        rejected: Vec::new(),
        warnings: Vec::new(),
        data_rows: 0,
        skipped_blank: 0,
        skipped_notes: 0,
    };
    // Unique columns: the cleaned key → the first row that had it.
    let mut firsts: Vec<(usize, HashMap<String, u32>)> = parsed
        .mapping
        .iter()
        .filter(|m| template.columns[m.template_index].unique)
        .map(|m| (m.template_index, HashMap::with_capacity(total)))
        .collect();
    let empty = Data::Empty;
    for (i, row) in range.rows().enumerate().skip(header_index + 1) {
        let done = i - header_index;
        if opts.progress_every > 0 && done % opts.progress_every == 0 {
            progress(done, total);
        }
        let excel_row = row0 + i as u32 + 1;
        let cell = |m: &MappedColumn| row.get((m.sheet_col - col0) as usize).unwrap_or(&empty);
        let blank_in_template = parsed.mapping.iter().all(|m| match cell(m) {
            Data::Empty => true,
            Data::String(s) => s.trim().is_empty(),
            _ => false,
        });
        if blank_in_template {
            if row.iter().all(|c| cell_text(c).is_none()) {
                parsed.skipped_blank += 1;
            } else {
                // Text only outside the template's columns: a note or a signature line.
                parsed.skipped_notes += 1;
            }
            continue;
        }
        if is_notes_row(row) {
            parsed.skipped_notes += 1;
            continue;
        }
        parsed.data_rows += 1;
        let mut values = vec![Value::Empty; ncols];
        let mut bad = false;
        let mut id_gender = None;
        for m in &parsed.mapping {
            let column = &template.columns[m.template_index];
            let cleaned = value::clean(column, cell(m), today);
            if let Some(w) = cleaned.warning {
                parsed.warnings.push(Warning {
                    row: excel_row,
                    column: format!("{}（{}列）", m.header, m.letter),
                    message: w,
                });
            }
            id_gender = id_gender.or(cleaned.id_gender);
            match cleaned.value {
                Ok(v) => values[m.template_index] = v,
                Err(reason) => {
                    bad = true;
                    parsed.rejected.push(rejection(excel_row, Some(m), reason));
                }
            }
        }
        for (ti, column) in template.columns.iter().enumerate() {
            if column.required && values[ti].is_empty() && !bad_at(&parsed, excel_row, ti) {
                bad = true;
                let m = parsed.mapping.iter().find(|m| m.template_index == ti);
                parsed.rejected.push(rejection(excel_row, m, format!("{}不能为空", column.header)));
            }
        }
        for (ti, seen) in &mut firsts {
            if let Some(key) = values[*ti].text() {
                let key = if key.bytes().any(|b| b.is_ascii_lowercase()) {
                    key.to_ascii_uppercase()
                } else {
                    key.to_string()
                };
                match seen.get(&key) {
                    Some(first) => {
                        bad = true;
                        let m = parsed.mapping.iter().find(|m| m.template_index == *ti);
                        let reason = format!("{}「{key}」与第{first}行重复", template.columns[*ti].header);
                        parsed.rejected.push(rejection(excel_row, m, reason));
                    }
                    None => {
                        seen.insert(key, excel_row);
                    }
                }
            }
        }
        if !bad {
            parsed.records.push(Record { row: excel_row, values, id_gender });
        }
    }
    progress(total, total);
    Ok(parsed)
}

fn bad_at(parsed: &Parsed, row: u32, template_index: usize) -> bool {
    parsed
        .rejected
        .iter()
        .rev()
        .take_while(|r| r.row == row)
        .any(|r| parsed.mapping.iter().any(|m| m.template_index == template_index && m.letter == r.letter))
}
