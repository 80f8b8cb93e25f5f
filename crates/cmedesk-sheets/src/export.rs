//! Writing a template's rows the way provincial files look: bold frozen header with an
//! autofilter, column widths measured for Chinese text (rust_xlsxwriter's autofit counts a CJK
//! character as one narrow glyph), IDs and card numbers as text, values never formulas.

use std::path::Path;

use chrono::Datelike;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use crate::{
    error::{Result, SheetsError},
    template::{ColumnType, Template},
    value::Value,
};

/// Data rows an .xlsx sheet holds below its header (1,048,576 rows in all).
pub const XLSX_MAX_DATA_ROWS: usize = 1_048_575;

/// Rows above which [`write`] streams the sheet (constant memory) instead of building it.
pub const CONSTANT_MEMORY_FROM: usize = 20_000;

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export, rename = "SheetExported")]
pub struct Exported {
    pub template: String,
    pub path: String,
    pub rows: usize,
    pub constant_memory: bool,
}

/// Display width in Excel's units (the width of `0`): a CJK or full-width character takes two.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum()
}

fn date_text(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// An enum value's label (what the sheet shows), or the text itself.
fn label<'a>(template: &'a Template, index: usize, t: &'a str) -> &'a str {
    let column = &template.columns[index];
    if column.kind == ColumnType::Enum {
        column.choices.iter().find(|c| c.value == t).map_or(t, |c| c.label.as_str())
    } else {
        t
    }
}

/// The text a cell shows, for widths and for text-typed cells.
fn shown(template: &Template, index: usize, v: &Value) -> String {
    let column = &template.columns[index];
    match v {
        Value::Empty => String::new(),
        Value::Text(t) if column.kind == ColumnType::Enum => {
            column.choices.iter().find(|c| &c.value == t).map_or_else(|| t.clone(), |c| c.label.clone())
        }
        Value::Text(t) => t.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Decimal(f) => f.to_string(),
        Value::Date(d) => date_text(*d),
        Value::DateRange(s, e) if s == e => date_text(*s),
        Value::DateRange(s, e) => format!("{}至{}", date_text(*s), date_text(*e)),
    }
}

/// Column widths: the widest of the header and the cells (sampled: the first 2,000 rows are
/// representative and measuring a million cells would cost more than writing them), plus room
/// for the filter button; between 6 and 60.
pub fn widths(template: &Template, rows: &[Vec<Value>]) -> Vec<f64> {
    template
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let cells = rows
                .iter()
                .take(2_000)
                .map(|r| r.get(i).map_or(0, |v| display_width(&shown(template, i, v))))
                .max()
                .unwrap_or(0);
            let w = display_width(&c.header).max(cells) + 3;
            w.clamp(6, 60) as f64
        })
        .collect()
}

fn write_err(path: &Path) -> impl Fn(XlsxError) -> SheetsError + '_ {
    move |e| SheetsError::Write { path: path.display().to_string(), reason: e.to_string() }
}

/// Writes `rows` (values in template column order) to a new `.xlsx` at `path`; large sheets are
/// streamed in constant-memory mode.
///
/// `.xls` is refused rather than written: rust_xlsxwriter writes only the Office Open XML
/// format, no maintained Rust crate writes BIFF8, and converting through LibreOffice would make
/// an office's export depend on a 300 MB suite being installed. Excel 2007+ and WPS read .xlsx;
/// where a provincial platform insists on .xls, 另存为 in Excel/WPS converts it. (.xls is read.)
pub fn write(template: &Template, rows: &[Vec<Value>], path: &Path) -> Result<Exported> {
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xls")) {
        return Err(SheetsError::XlsNotWritten { path: path.display().to_string() });
    }
    if rows.len() > XLSX_MAX_DATA_ROWS {
        return Err(SheetsError::TooManyRows { rows: rows.len(), limit: XLSX_MAX_DATA_ROWS });
    }
    let constant_memory = rows.len() >= CONSTANT_MEMORY_FROM;
    let mut wb = Workbook::new();
    let err = write_err(path);
    let ws = if constant_memory {
        wb.add_worksheet_with_constant_memory().map_err(&err)?
    } else {
        wb.add_worksheet()
    };
    fill(ws, template, rows).map_err(&err)?;
    wb.save(path).map_err(&err)?;
    Ok(Exported {
        template: template.name.clone(),
        path: path.display().to_string(),
        rows: rows.len(),
        constant_memory,
    })
}

fn fill(ws: &mut Worksheet, template: &Template, rows: &[Vec<Value>]) -> Result<(), XlsxError> {
    // Sheet names cannot hold []:*?/\ and are at most 31 characters.
    let name: String = template.title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    ws.set_name(name)?;
    let header = Format::new().set_bold().set_background_color(0xDDEBF7).set_border(FormatBorder::Thin);
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, (column, width)) in template.columns.iter().zip(widths(template, rows)).enumerate() {
        let col = i as u16;
        ws.set_column_width(col, width)?;
        if column.kind.is_text_key() {
            // Cells typed in later stay text too.
            ws.set_column_format(col, &text)?;
        }
        ws.write_string_with_format(0, col, &column.header, &header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = template.columns.len().saturating_sub(1) as u16;
    ws.autofilter(0, 0, rows.len() as u32, last_col)?;
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (i, v) in row.iter().enumerate().take(template.columns.len()) {
            let col = i as u16;
            // Cells without their own format take the column's (text for IDs and cards); a
            // per-cell format costs a hash lookup per cell, so only dates carry one.
            match v {
                Value::Empty => {}
                Value::Integer(n) => {
                    ws.write_number(r, col, *n as f64)?;
                }
                Value::Decimal(f) => {
                    ws.write_number(r, col, *f)?;
                }
                Value::Date(d) => {
                    let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                    ws.write_datetime_with_format(r, col, &dt, &date)?;
                }
                Value::Text(t) => {
                    ws.write_string(r, col, label(template, i, t))?;
                }
                Value::DateRange(..) => {
                    ws.write_string(r, col, shown(template, i, v))?;
                }
            }
        }
    }
    Ok(())
}
