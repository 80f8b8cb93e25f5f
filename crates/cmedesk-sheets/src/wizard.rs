//! The import wizard's first look at a file (导入向导): which template it is (detected from its
//! header row when the officer has not chosen), the first rows as text, the header as found and
//! how each of its cells maps — shown even when required columns are missing, so the officer can
//! map them — and the sheet-level check of every row. Nothing here touches the desk but reading
//! the remembered header mappings.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use cmedesk_core::Desk;
use serde::Serialize;

use crate::{
    error::Result,
    read::{self, HEADER_SCAN_ROWS, MappedColumn, Parsed, ReadOptions},
    template::{Template, fold_header},
};

/// A template column the officer can map a header to.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct WizardField {
    pub field: String,
    pub header: String,
    pub required: bool,
}

/// Why the sheet cannot be read as the template yet (no header, required columns missing).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct WizardProblem {
    pub code: String,
    pub message: String,
}

/// What the wizard shows before any dry run.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct WizardPreview {
    /// The template used: the officer's choice, or the detected one (None: nothing matched).
    pub template: Option<String>,
    pub template_title: Option<String>,
    /// True when the template was detected from the header rather than chosen.
    pub detected: bool,
    /// The template's rows can be committed to the desk (otherwise only checked).
    pub importable: bool,
    /// The import needs the hosted project the rows are for (remote learning): a picker step.
    pub needs_project: bool,
    /// Why the template is only checked, when it says (credit list), in Chinese.
    pub import_note: Option<String>,
    pub sheet: String,
    /// The first rows of the sheet as text, from its first row with data.
    pub head: Vec<Vec<String>>,
    /// The Excel row number of `head[0]`.
    pub head_first_row: u32,
    /// The Excel row number of the header, when one was found.
    pub header_row: Option<u32>,
    pub mapping: Vec<MappedColumn>,
    /// Header cells mapped to nothing (ignored unless the officer maps them).
    pub unmapped: Vec<String>,
    /// The template's fields, for the mapping choices.
    pub fields: Vec<WizardField>,
    /// The sheet-level check of every row (IDs, dates, choices, duplicates); None with a problem.
    pub parsed: Option<Parsed>,
    pub problem: Option<WizardProblem>,
}

/// Rows of the preview table.
pub const PREVIEW_ROWS: usize = 12;

/// The template whose best header row names the most of its columns (ties: the one with fewer
/// columns left unnamed, then the earlier template), or None when none names two.
pub fn detect<'t>(head: &[(u32, Vec<calamine::Data>)], templates: &'t [Template]) -> Option<&'t Template> {
    templates
        .iter()
        .enumerate()
        .filter_map(|(i, t)| {
            let (_, mapped, _) = read::locate_header(t, head, &ReadOptions::default())?;
            let n = mapped.len();
            Some(((n, std::cmp::Reverse(t.columns.len() - n), std::cmp::Reverse(i)), t))
        })
        .max_by_key(|(score, _)| *score)
        .map(|(_, t)| t)
}

/// Reads `path` for the wizard. `template` is the officer's choice (None: detect);
/// `header_map` (header → field) comes on top of the remembered mappings of the template.
pub fn preview(
    desk: &Desk,
    path: &Path,
    template: Option<&str>,
    header_map: &HashMap<String, String>,
    today: NaiveDate,
) -> Result<WizardPreview> {
    let sheet = read::open(path)?;
    let head = sheet.head(HEADER_SCAN_ROWS.max(PREVIEW_ROWS))?;
    let templates = Template::all()?;
    let (chosen, detected) = match template.filter(|t| !t.trim().is_empty()) {
        Some(name) => (Some(Template::get(name)?), false),
        None => (detect(&head, &templates).cloned(), true),
    };
    let head_first_row = head.first().map_or(1, |(r, _)| r + 1);
    let mut text: Vec<Vec<String>> = Vec::with_capacity(PREVIEW_ROWS);
    for (r, cells) in head.iter().take_while(|(r, _)| (r + 1 - head_first_row) < PREVIEW_ROWS as u32) {
        text.resize((r + 1 - head_first_row) as usize, Vec::new());
        text.push(cells.iter().map(|c| c.to_string()).collect());
    }
    let mut out = WizardPreview {
        template: None,
        template_title: None,
        detected,
        importable: false,
        needs_project: false,
        import_note: None,
        sheet: sheet.name.clone(),
        head: text,
        head_first_row,
        header_row: None,
        mapping: Vec::new(),
        unmapped: Vec::new(),
        fields: Vec::new(),
        parsed: None,
        problem: None,
    };
    let Some(t) = chosen else {
        out.problem = Some(WizardProblem {
            code: "TEMPLATE_NOT_DETECTED".into(),
            message: "无法识别表格对应的模板（表头与各模板列名都不匹配），请手动选择模板".into(),
        });
        return Ok(out);
    };
    let mut map = crate::mappings::remembered(desk, &t)?;
    for (header, field) in header_map {
        crate::mappings::check_field(&t, field)?;
        map.insert(fold_header(header), field.clone());
    }
    let opts = ReadOptions { header_map: map, progress_every: 0 };
    out.template = Some(t.name.clone());
    out.template_title = Some(t.title.clone());
    out.importable = t.importable();
    out.needs_project = t.needs_project();
    out.import_note = t.import_note.clone();
    out.fields = t
        .columns
        .iter()
        .map(|c| WizardField { field: c.field.clone(), header: c.header.clone(), required: c.required })
        .collect();
    if let Some((row, mapping, unmapped)) = read::locate_header(&t, &head, &opts) {
        (out.header_row, out.mapping, out.unmapped) = (Some(row + 1), mapping, unmapped);
    }
    drop(head);
    match read::parse(&t, &sheet, today, &opts, &mut |_, _| {}) {
        Ok(p) => out.parsed = Some(p),
        Err(e) => out.problem = Some(WizardProblem { code: e.code().into(), message: e.message_zh() }),
    }
    Ok(out)
}
