//! The error report (错误报告): a copy of the imported sheet, cell for cell at the same row
//! numbers, with a 错误原因 column added after the last one and the rejected rows highlighted, so
//! an officer can fix the file and import it again.

use std::{collections::BTreeMap, path::Path};

use calamine::Data;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::{
    error::{Result, SheetsError},
    read::{Parsed, Sheet},
};

/// Writes the report for `parsed` (read from `sheet`) to `path`; returns how many rows it marks.
pub fn write_error_report(sheet: &Sheet, parsed: &Parsed, path: &Path) -> Result<usize> {
    let err = |e: XlsxError| SheetsError::Write { path: path.display().to_string(), reason: e.to_string() };
    let mut reasons: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for r in &parsed.rejected {
        let text =
            if r.column.is_empty() { r.reason.clone() } else { format!("{}：{}", r.column, r.reason) };
        reasons.entry(r.row).or_default().push(text);
    }
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet.name.chars().take(31).collect::<String>()).map_err(err)?;
    let range = sheet.range()?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let (_, col_end) = range.end().unwrap_or((0, 0));
    let reason_col = (col_end + 1) as u16;
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let bad = Format::new().set_background_color(0xFFC7CE);
    let bad_date = bad.clone().set_num_format("yyyy-mm-dd");
    let plain = Format::new();
    let bold = Format::new().set_bold();
    let bad_reason = Format::new().set_font_color(0x9C0006).set_text_wrap();
    for (i, row) in range.rows().enumerate() {
        let r = row0 + i as u32;
        let excel_row = r + 1;
        let marked = reasons.get(&excel_row);
        for (j, cell) in row.iter().enumerate() {
            let c = (col0 + j as u32) as u16;
            // Strings stay text (an ID typed as text must not turn into a number), numbers stay
            // numbers; a rejected row is filled red.
            let (fmt_text, fmt_number, fmt_date) =
                if marked.is_some() { (&bad, &bad, &bad_date) } else { (&text, &plain, &date) };
            match cell {
                Data::Empty => {
                    if marked.is_some() {
                        ws.write_blank(r, c, &bad).map_err(err)?;
                    }
                }
                Data::String(s) => {
                    ws.write_string_with_format(r, c, s, fmt_text).map_err(err)?;
                }
                Data::Float(f) => {
                    ws.write_number_with_format(r, c, *f, fmt_number).map_err(err)?;
                }
                Data::Int(n) => {
                    ws.write_number_with_format(r, c, *n as f64, fmt_number).map_err(err)?;
                }
                Data::DateTime(dt) => {
                    ws.write_number_with_format(r, c, dt.as_f64(), fmt_date).map_err(err)?;
                }
                other => {
                    ws.write_string_with_format(r, c, other.to_string(), fmt_text).map_err(err)?;
                }
            }
        }
        if excel_row == parsed.header_row {
            ws.write_string_with_format(r, reason_col, "错误原因", &bold).map_err(err)?;
        }
        if let Some(list) = marked {
            ws.write_string_with_format(r, reason_col, list.join("；"), &bad_reason).map_err(err)?;
        }
    }
    ws.set_column_width(reason_col, 60).map_err(err)?;
    wb.save(path).map_err(err)?;
    Ok(reasons.len())
}
