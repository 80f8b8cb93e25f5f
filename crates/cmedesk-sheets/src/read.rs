//! Reading a workbook against a template: find the header row among title and notes rows, map
//! its cells to template columns, then clean every data row, collecting per-cell rejections named
//! the way Excel shows them (row number, column letter, header text).

use std::{cell::RefCell, collections::HashMap, fs::File, io::BufReader, ops::ControlFlow, path::Path};

use calamine::{Data, DataRef, Range, Reader, Sheets, Xlsx, open_workbook_auto};
use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    error::{Result, SheetsError},
    first_rows::FirstRows,
    template::{Template, fold_header},
    value::{self, Value, cell_str, column_letter, data_ref},
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

/// The first worksheet with data. An `.xlsx` sheet is streamed cell by cell straight out of the
/// zip (calamine's cell reader: no whole-sheet `Range`, no owned copy of every string); `.xls`,
/// `.ods` and `.xlsb` are read whole, as calamine offers them.
pub struct Sheet {
    pub name: String,
    source: Source,
    /// The last row (0-based) the sheet declares, for progress totals.
    last_row_hint: u32,
}

enum Source {
    // Boxed: the reader holds the shared strings and styles tables.
    Xlsx(Box<RefCell<Xlsx<BufReader<File>>>>),
    Range(Range<Data>),
}

/// Cells per batch handed from the parsing thread to the cleaning one.
const BATCH_CELLS: usize = 8_192;
/// Batches parsed ahead of the cleaning.
const BATCHES_IN_FLIGHT: usize = 4;

/// A run of streamed cells, in sheet order, with the text of their inline strings.
#[derive(Default)]
struct CellBatch<'a> {
    /// (0-based row, 0-based column, value).
    cells: Vec<(u32, u32, Slot<'a>)>,
    /// The inline strings of `cells`, one after another.
    text: String,
}

enum Slot<'a> {
    /// An inline string: `text[start..end]` of its batch.
    Text(u32, u32),
    /// Anything else: a number, a date, a shared string (a borrow into the workbook's table).
    Value(DataRef<'a>),
}

impl CellBatch<'_> {
    fn push_text(&mut self, row: u32, col: u32, s: &str) {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        self.cells.push((row, col, Slot::Text(start, self.text.len() as u32)));
    }
}

/// Opens `.xlsx`, `.xls`, `.xlsm`, `.ods`, and returns the first worksheet that holds cells.
pub fn open(path: &Path) -> Result<Sheet> {
    let read_err = |reason: String| SheetsError::Read { path: path.display().to_string(), reason };
    let wb = open_workbook_auto(path).map_err(|e| read_err(e.to_string()))?;
    if let Sheets::Xlsx(mut x) = wb {
        for name in x.sheet_names() {
            let mut cells = x.worksheet_cells_reader(&name).map_err(|e| read_err(e.to_string()))?;
            let last_row_hint = cells.dimensions().end.0;
            let mut has_data = false;
            while let Some(c) = cells.next_cell().map_err(|e| read_err(e.to_string()))? {
                if !matches!(c.get_value(), DataRef::Empty) {
                    has_data = true;
                    break;
                }
            }
            drop(cells);
            if has_data {
                return Ok(Sheet { name, source: Source::Xlsx(Box::new(RefCell::new(x))), last_row_hint });
            }
        }
        return Err(SheetsError::EmptyWorkbook { path: path.display().to_string() });
    }
    let mut wb = wb;
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).map_err(|e| read_err(e.to_string()))?;
        if !range.is_empty() {
            let last_row_hint = range.end().map_or(0, |(r, _)| r);
            return Ok(Sheet { name, source: Source::Range(range), last_row_hint });
        }
    }
    Err(SheetsError::EmptyWorkbook { path: path.display().to_string() })
}

impl Sheet {
    /// Calls `f(row, column, cell)` for every non-empty cell in row order (0-based absolute
    /// positions) until `f` breaks.
    pub fn for_each_cell(&self, f: &mut dyn FnMut(u32, u32, &DataRef<'_>) -> ControlFlow<()>) -> Result<()> {
        let read_err = |reason: String| SheetsError::Read { path: self.name.clone(), reason };
        match &self.source {
            Source::Xlsx(x) => {
                let mut x = x.borrow_mut();
                let mut cells = x.worksheet_cells_reader(&self.name).map_err(|e| read_err(e.to_string()))?;
                while let Some(c) = cells.next_cell().map_err(|e| read_err(e.to_string()))? {
                    let v = c.get_value();
                    if matches!(v, DataRef::Empty) {
                        continue;
                    }
                    let (r, col) = c.get_position();
                    if f(r, col, v).is_break() {
                        break;
                    }
                }
            }
            Source::Range(range) => {
                let (row0, col0) = range.start().unwrap_or((0, 0));
                for (r, c, v) in range.used_cells() {
                    if f(row0 + r as u32, col0 + c as u32, &data_ref(v)).is_break() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    /// Like [`Sheet::for_each_cell`] to the end, but an `.xlsx` sheet's XML is parsed on a
    /// second thread while `f` cleans the cells already read on this one: parsing and cleaning
    /// cost about the same, so a big import takes about as long as calamine's parse alone.
    ///
    /// The parse is the import's critical path, and it runs slower whenever the cleaning thread
    /// works beside it on a two-core machine (30–38% with the cleaning as it was; 1% with the
    /// cleaning made a no-op), so the hand-over is kept cheap: cells cross in batches that go
    /// back and forth, so neither thread allocates per cell; the parsing thread copies the text
    /// of an inline string into the batch's one text buffer and drops calamine's `String` at
    /// once, on the thread that allocated it, as calamine's own loop does. A shared string stays
    /// a borrow into the workbook's string table, which outlives both threads.
    fn for_each_cell_pipelined(&self, f: &mut dyn FnMut(u32, u32, DataRef<'_>)) -> Result<()> {
        let Source::Xlsx(x) = &self.source else {
            return self.for_each_cell(&mut |r, c, v| {
                f(r, c, v.clone());
                ControlFlow::Continue(())
            });
        };
        let mut x = x.borrow_mut();
        let x: &mut Xlsx<BufReader<File>> = &mut x;
        let name = self.name.as_str();
        let read_err =
            |e: calamine::XlsxError| SheetsError::Read { path: name.to_string(), reason: e.to_string() };
        std::thread::scope(|scope| {
            let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<CellBatch<'_>>(BATCHES_IN_FLIGHT);
            let (empty_tx, empty_rx) = std::sync::mpsc::sync_channel::<CellBatch<'_>>(BATCHES_IN_FLIGHT + 1);
            let parse = move || -> Result<()> {
                // The reader borrows the workbook for as long as `x` does, so the shared strings
                // its cells point to stay valid on the cleaning side too. (Moving `x` in first
                // makes this a one-shot closure, so the borrow may outlive the call.)
                let x = x;
                let mut cells = x.worksheet_cells_reader(name).map_err(read_err)?;
                let mut batch = CellBatch::default();
                while let Some(c) = cells.next_cell().map_err(read_err)? {
                    let (r, col) = c.get_position();
                    match c.get_value() {
                        DataRef::Empty => continue,
                        DataRef::String(s) => batch.push_text(r, col, s),
                        other => batch.cells.push((r, col, Slot::Value(other.clone()))),
                    }
                    if batch.cells.len() == BATCH_CELLS {
                        let next = empty_rx.try_recv().unwrap_or_default();
                        if full_tx.send(std::mem::replace(&mut batch, next)).is_err() {
                            // The cleaning side stopped: nothing more is wanted.
                            return Ok(());
                        }
                    }
                }
                if !batch.cells.is_empty() {
                    let _ = full_tx.send(batch);
                }
                Ok(())
            };
            let parser = std::thread::Builder::new()
                .name("xlsx-parse".into())
                .spawn_scoped(scope, parse)
                .map_err(|e| SheetsError::Read { path: name.to_string(), reason: e.to_string() })?;
            for mut batch in full_rx {
                for (r, c, slot) in batch.cells.drain(..) {
                    let v = match slot {
                        Slot::Text(start, end) => {
                            DataRef::SharedString(&batch.text[start as usize..end as usize])
                        }
                        Slot::Value(v) => v,
                    };
                    f(r, c, v);
                }
                batch.text.clear();
                // Back to the parser for reuse; when it has enough in hand, this one just goes.
                let _ = empty_tx.try_send(batch);
            }
            parser.join().unwrap_or_else(|_| {
                Err(SheetsError::Read { path: name.to_string(), reason: "reader thread panicked".into() })
            })
        })
    }

    /// The first `n` rows holding data, from column A, as owned cells (titles, the header, the
    /// preview), each with its 0-based row.
    pub fn head(&self, n: usize) -> Result<Vec<(u32, Vec<Data>)>> {
        let mut rows: Vec<(u32, Vec<Data>)> = Vec::new();
        let mut first = None;
        self.for_each_cell(&mut |r, c, v| {
            let first = *first.get_or_insert(r);
            if (r - first) as usize >= n {
                return ControlFlow::Break(());
            }
            if rows.last().is_none_or(|(last, _)| *last != r) {
                rows.push((r, Vec::new()));
            }
            let Some((_, row)) = rows.last_mut() else { return ControlFlow::Continue(()) };
            if row.len() <= c as usize {
                row.resize(c as usize + 1, Data::Empty);
            }
            row[c as usize] = Data::from(v.clone());
            ControlFlow::Continue(())
        })?;
        Ok(rows)
    }

    /// The whole sheet as one range (the error report copies it cell for cell).
    pub fn range(&self) -> Result<Range<Data>> {
        match &self.source {
            Source::Range(r) => Ok(r.clone()),
            Source::Xlsx(x) => x
                .borrow_mut()
                .worksheet_range(&self.name)
                .map_err(|e| SheetsError::Read { path: self.name.clone(), reason: e.to_string() }),
        }
    }
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

/// Text of a cell for header matching.
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

/// Empty, or text of only spaces.
fn is_blank(c: &DataRef<'_>) -> bool {
    match cell_str(c) {
        Some(s) => s.trim().is_empty(),
        None => matches!(c, DataRef::Empty),
    }
}

/// [`NOTES_PREFIXES`] folded once.
fn notes_prefixes() -> &'static [String] {
    static FOLDED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FOLDED.get_or_init(|| NOTES_PREFIXES.iter().map(|p| fold_header(p)).collect())
}

/// True when a row's first non-empty cell opens a notes row (填报单位：…, 制表人：…, 合计).
fn opens_notes(first: &DataRef<'_>) -> bool {
    // Only a text cell can open a notes row; look at its first characters.
    let Some(s) = cell_str(first) else { return false };
    // Most first cells are names or numbers: rule them out without folding anything.
    let Some(c0) = s.chars().find(|c| !c.is_whitespace()) else { return false };
    if !notes_prefixes().iter().any(|p| p.starts_with(crate::template::fold_char(c0))) {
        return false;
    }
    let head: String = s.chars().filter(|c| !c.is_whitespace()).take(12).collect();
    let f = fold_header(&head);
    notes_prefixes().iter().any(|p| f.starts_with(p.as_str()))
}

/// The header row as found: its 0-based row, the mapped columns, the headers mapped to nothing.
pub type HeaderFound = (u32, Vec<MappedColumn>, Vec<String>);

/// Finds the header row: the row among the first [`HEADER_SCAN_ROWS`] naming the most template
/// columns (at least two), and maps its cells, without checking for required columns (the
/// import wizard shows such a header so the officer can map what is missing).
pub fn locate_header(
    template: &Template,
    head: &[(u32, Vec<Data>)],
    opts: &ReadOptions,
) -> Option<HeaderFound> {
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
                    let sheet_col = i as u32;
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
    let best = head
        .iter()
        .map(|(r, row)| (*r, map_row(row)))
        .max_by_key(|(r, (m, _))| (m.len(), std::cmp::Reverse(*r)))
        .filter(|(_, (m, _))| m.len() >= 2.min(template.columns.len()));
    best.map(|(header, (mapped, unmapped))| (header, mapped, unmapped))
}

/// [`locate_header`], refusing a sheet with no header or a header lacking required columns.
fn find_header(template: &Template, head: &[(u32, Vec<Data>)], opts: &ReadOptions) -> Result<HeaderFound> {
    let Some((header, mapped, unmapped)) = locate_header(template, head, opts) else {
        let scanned = match (head.first(), head.last()) {
            (Some((a, _)), Some((b, _))) => (b - a + 1) as usize,
            _ => 0,
        };
        return Err(SheetsError::HeaderNotFound { scanned: HEADER_SCAN_ROWS.min(scanned) });
    };
    let missing: Vec<&str> = template
        .columns
        .iter()
        .enumerate()
        .filter(|(ti, c)| c.required && !mapped.iter().any(|m| m.template_index == *ti))
        .map(|(_, c)| c.header.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(SheetsError::MissingColumns { row: header + 1, missing: missing.join("、") });
    }
    Ok((header, mapped, unmapped))
}

/// The row being read, cell by cell: cleaned values and the problems found so far. Whether the
/// row is data, notes or blank is known only at its end, so problems wait here until then.
struct Row {
    /// 0-based sheet row.
    index: u32,
    values: Vec<Value>,
    /// Some cell of a template column holds something.
    any_mapped: bool,
    /// Some cell anywhere holds something.
    any_text: bool,
    /// The first non-empty cell has been seen, and whether it opened a notes row.
    first_seen: bool,
    notes: bool,
    /// Template columns already rejected in this row (so 不能为空 is not added on top).
    rejected_cols: Vec<bool>,
    rejections: Vec<Rejection>,
    warnings: Vec<Warning>,
    id_gender: Option<cmedesk_core::id_number::Gender>,
}

impl Row {
    fn new(index: u32, ncols: usize) -> Row {
        Row {
            index,
            values: vec![Value::Empty; ncols],
            any_mapped: false,
            any_text: false,
            first_seen: false,
            notes: false,
            rejected_cols: vec![false; ncols],
            rejections: Vec::new(),
            warnings: Vec::new(),
            id_gender: None,
        }
    }

    /// Starts row `index`, keeping the buffers.
    fn reset(&mut self, index: u32) {
        self.index = index;
        self.values.iter_mut().for_each(|v| *v = Value::Empty);
        self.rejected_cols.iter_mut().for_each(|b| *b = false);
        self.rejections.clear();
        self.warnings.clear();
        (self.any_mapped, self.any_text, self.first_seen, self.notes) = (false, false, false, false);
        self.id_gender = None;
    }
}

/// Reads the data rows below the header as the cells stream in.
struct RowReader<'t, 's> {
    template: &'t Template,
    /// Takes each good record the moment its row is complete; says whether to keep it.
    sink: &'s mut Sink<'s>,
    today: NaiveDate,
    parsed: Parsed,
    /// Sheet column → index in `parsed.mapping`.
    by_col: Vec<Option<usize>>,
    /// Unique columns: template index, and the first row of every key seen in it.
    firsts: Vec<(usize, FirstRows)>,
    row: Row,
    header: u32,
    total: usize,
    next_progress: usize,
    next_progress_step: usize,
}

impl RowReader<'_, '_> {
    /// Takes one cell, owned: a text cell that needs no cleaning moves into the record as is.
    fn cell(&mut self, r: u32, c: u32, v: DataRef<'_>, progress: &mut dyn FnMut(usize, usize)) {
        if r <= self.header {
            return;
        }
        if r != self.row.index {
            self.end_row();
            // Rows with no cell at all between the last one and this one are blank.
            self.parsed.skipped_blank += (r - self.row.index - 1) as usize;
            self.row.reset(r);
            let done = (r - self.header) as usize;
            let every = self.next_progress_step;
            while every > 0 && self.next_progress <= done {
                progress(self.next_progress, self.total.max(done));
                self.next_progress += every;
            }
        }
        let row = &mut self.row;
        let blank = is_blank(&v);
        row.any_text |= !blank;
        if !row.first_seen {
            row.first_seen = true;
            row.notes = opens_notes(&v);
        }
        let Some(&Some(mi)) = self.by_col.get(c as usize) else { return };
        row.any_mapped |= !blank;
        let m = &self.parsed.mapping[mi];
        let excel_row = r + 1;
        let cleaned = value::clean_owned_ref(&self.template.columns[m.template_index], v, self.today);
        if let Some(w) = cleaned.warning {
            row.warnings.push(Warning {
                row: excel_row,
                column: format!("{}（{}列）", m.header, m.letter),
                message: w,
            });
        }
        row.id_gender = row.id_gender.or(cleaned.id_gender);
        match cleaned.value {
            Ok(v) => row.values[m.template_index] = v,
            Err(reason) => {
                row.rejected_cols[m.template_index] = true;
                row.rejections.push(rejection(excel_row, Some(m), reason));
            }
        }
    }

    /// Decides what the row just read was, and keeps it, its problems, or neither.
    fn end_row(&mut self) {
        let row = &mut self.row;
        if row.index <= self.header {
            return;
        }
        let parsed = &mut self.parsed;
        if !row.any_mapped {
            // Nothing in the template's columns: blank, or a note or signature line beside them.
            if row.any_text {
                parsed.skipped_notes += 1;
            } else {
                parsed.skipped_blank += 1;
            }
            return;
        }
        if row.notes {
            parsed.skipped_notes += 1;
            return;
        }
        parsed.data_rows += 1;
        let excel_row = row.index + 1;
        let mut bad = !row.rejections.is_empty();
        parsed.rejected.append(&mut row.rejections);
        parsed.warnings.append(&mut row.warnings);
        for (ti, column) in self.template.columns.iter().enumerate() {
            if column.required && row.values[ti].is_empty() && !row.rejected_cols[ti] {
                bad = true;
                let m = parsed.mapping.iter().find(|m| m.template_index == ti);
                parsed.rejected.push(rejection(excel_row, m, format!("{}不能为空", column.header)));
            }
        }
        for (ti, seen) in &mut self.firsts {
            if let Some(key) = row.values[*ti].text()
                && let Some(first) = seen.first_or_insert(key, excel_row)
            {
                bad = true;
                let m = parsed.mapping.iter().find(|m| m.template_index == *ti);
                let key = key.to_ascii_uppercase();
                let reason = format!("{}「{key}」与第{first}行重复", self.template.columns[*ti].header);
                parsed.rejected.push(rejection(excel_row, m, reason));
            }
        }
        if !bad {
            let mut record =
                Record { row: excel_row, values: std::mem::take(&mut row.values), id_gender: row.id_gender };
            if (self.sink)(&mut record, parsed) {
                parsed.records.push(record);
                row.values = vec![Value::Empty; self.template.columns.len()];
            } else {
                // Taken: its buffer serves the next row (`Row::reset` empties it).
                row.values = record.values;
            }
        }
    }
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
    parse_streaming(template, sheet, today, opts, progress, &mut |_, _| true)
}

/// What [`parse_streaming`] hands each good record to: it may move values out of the record and
/// reject the row in `Parsed`, and returns whether [`Parsed::records`] should keep the record.
pub type Sink<'s> = dyn FnMut(&mut Record, &mut Parsed) -> bool + 's;

/// Like [`parse`], and hands each good record to `sink` the moment its row is complete. The sink
/// runs on the thread that cleans cells while the XML of the next rows is still being parsed on
/// the other: an import's turning records into core inputs overlaps the parse instead of
/// following it. A record the sink has taken is not kept (its buffer serves the next row).
pub fn parse_streaming<'s>(
    template: &Template,
    sheet: &Sheet,
    today: NaiveDate,
    opts: &ReadOptions,
    progress: &mut dyn FnMut(usize, usize),
    sink: &'s mut Sink<'s>,
) -> Result<Parsed> {
    let head = sheet.head(HEADER_SCAN_ROWS)?;
    let (header, mapping, unmapped) = find_header(template, &head, opts)?;
    drop(head);
    let ncols = template.columns.len();
    let total = sheet.last_row_hint.saturating_sub(header) as usize;
    let width = mapping.iter().map(|m| m.sheet_col as usize + 1).max().unwrap_or(0);
    let mut by_col = vec![None; width];
    for (i, m) in mapping.iter().enumerate() {
        by_col[m.sheet_col as usize] = Some(i);
    }
    let firsts = mapping
        .iter()
        .filter(|m| template.columns[m.template_index].unique)
        .map(|m| (m.template_index, FirstRows::with_capacity(total)))
        .collect();
    let mut reader = RowReader {
        template,
        sink,
        today,
        parsed: Parsed {
            template: template.name.clone(),
            sheet: sheet.name.clone(),
            header_row: header + 1,
            mapping,
            unmapped,
            records: Vec::with_capacity(total),
            rejected: Vec::new(),
            warnings: Vec::new(),
            data_rows: 0,
            skipped_blank: 0,
            skipped_notes: 0,
        },
        by_col,
        firsts,
        row: Row::new(header, ncols),
        header,
        total,
        next_progress: opts.progress_every,
        next_progress_step: opts.progress_every,
    };
    sheet.for_each_cell_pipelined(&mut |r, c, v| reader.cell(r, c, v, progress))?;
    reader.end_row();
    let done = (reader.row.index - header) as usize;
    let total = total.max(done);
    progress(total, total);
    Ok(reader.parsed)
}
