//! Import as officers expect it: read and check everything first (preview / dry run), then
//! commit all rows through one core batch, or nothing. A row the core refuses at commit time is
//! reported by its spreadsheet row like any other.

use std::path::Path;

use cmedesk_core::{
    Actor, CoreError, Desk, Permission, approved_projects,
    credits::{remote_project, store as credit_store},
    rules::RuleBook,
    staff,
};
use serde::Serialize;

use crate::{
    domain,
    error::{Result, SheetsError},
    read::{self, MappedColumn, Parsed, ReadOptions, Rejection, Warning},
    remote::{self, RemoteSummary},
    report,
    template::{Target, Template},
};

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Write the error report (a copy of the sheet with 错误原因) here when rows are rejected.
    pub report: Option<std::path::PathBuf>,
    pub read: ReadOptions,
    /// The hosted project (id or code) the rows are for: remote-learning imports.
    pub project: Option<String>,
}

/// What an import did, or would do.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ImportReport {
    pub template: String,
    pub sheet: String,
    pub header_row: u32,
    pub mapping: Vec<MappedColumn>,
    pub unmapped: Vec<String>,
    pub dry_run: bool,
    /// Rows written to the desk (0 on a dry run or when any row was rejected).
    pub imported: usize,
    /// Rows that would be written (all good rows).
    pub ready: usize,
    pub data_rows: usize,
    pub skipped_blank: usize,
    pub skipped_notes: usize,
    pub rejected: Vec<Rejection>,
    pub warnings: Vec<Warning>,
    /// Where the error report was written, if it was.
    pub report: Option<String>,
    /// Remote learning: who gets credits and why not for the others (when no row was rejected).
    pub remote: Option<RemoteSummary>,
}

impl ImportReport {
    pub fn rejected_rows(&self) -> usize {
        let mut rows: Vec<u32> = self.rejected.iter().map(|r| r.row).collect();
        rows.dedup();
        rows.len()
    }
}

/// The first rows of a sheet with the detected header and mapping, for the wizard's preview.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export, rename = "SheetPreview")]
pub struct Preview {
    pub parsed: Parsed,
    /// The first `rows` rows of the sheet as text, from its top (titles included).
    pub head: Vec<Vec<String>>,
}

pub fn preview(template: &Template, path: &Path, today: chrono::NaiveDate, rows: usize) -> Result<Preview> {
    let sheet = read::open(path)?;
    let rows_read = sheet.head(rows)?;
    // Rows with no cell still show, as empty rows, so the preview lines up with Excel's.
    let first = rows_read.first().map_or(0, |(r, _)| *r);
    let mut head: Vec<Vec<String>> = Vec::with_capacity(rows);
    for (r, cells) in rows_read {
        head.resize((r - first) as usize, Vec::new());
        head.push(cells.iter().map(|c| c.to_string()).collect());
    }
    let parsed = read::parse(template, &sheet, today, &ReadOptions::default(), &mut |_, _| {})?;
    Ok(Preview { parsed, head })
}

/// Reads `path` against `template`, checks every row (including against the desk), and — unless
/// it is a dry run or any row was rejected — commits all rows in one core batch.
pub fn import(
    desk: &mut Desk,
    actor: &Actor,
    template: &Template,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport> {
    // Deny by default before reading anything: even a dry run's rejections tell which ID numbers
    // are on the roster (and whose they are).
    if let Some(target) = template.target {
        actor.require(match target {
            Target::Staff => Permission::EditRoster,
            Target::ApprovedProject => Permission::EditProjects,
            Target::RemoteLearning => Permission::GrantCredits,
        })?;
    }
    if template.needs_project() && opts.project.as_deref().is_none_or(|p| p.trim().is_empty()) {
        return Err(SheetsError::ProjectRequired { template: template.name.clone() });
    }
    // Headers mapped before are read the same way; a mapping given now wins over a remembered one.
    let mut header_map = crate::mappings::remembered(desk, template)?;
    for (header, field) in &opts.read.header_map {
        crate::mappings::check_field(template, field)?;
        header_map.insert(crate::template::fold_header(header), field.clone());
    }
    let opts = &ImportOptions { read: ReadOptions { header_map, ..opts.read.clone() }, ..opts.clone() };
    let Some(target) = template.target else {
        if !opts.dry_run {
            return Err(SheetsError::NotImportable {
                template: template.name.clone(),
                note: template.import_note.clone(),
            });
        }
        // Definition-only templates can still be checked.
        let sheet = read::open(path)?;
        let mut parsed = read::parse(template, &sheet, actor.today(), &opts.read, progress)?;
        let ready = parsed.records.len();
        return finish(&sheet, &mut parsed, opts, ready, 0);
    };
    if target == Target::RemoteLearning {
        return import_remote(desk, actor, template, path, opts, progress);
    }
    let sheet = read::open(path)?;
    let (mut parsed, ready, imported) = match target {
        Target::Staff => {
            // Each person is built as its row completes, while the XML of the next rows is parsed.
            let mut roster = domain::StaffInputs::new(desk, template)?;
            let mut parsed =
                read::parse_streaming(template, &sheet, actor.today(), &opts.read, progress, &mut |r, p| {
                    roster.take(r, p)
                })?;
            let inputs = roster.finish();
            let ready = inputs.len();
            if opts.dry_run || !parsed.rejected.is_empty() {
                return finish(&sheet, &mut parsed, opts, ready, 0);
            }
            let (rows, people): (Vec<u32>, Vec<_>) = inputs.into_iter().unzip();
            let imported = commit(&mut parsed, &rows, staff::add_many(desk, actor, people).map(|v| v.len()))?;
            (parsed, ready, imported)
        }
        Target::ApprovedProject => {
            let mut parsed = read::parse(template, &sheet, actor.today(), &opts.read, progress)?;
            let inputs = domain::approved_inputs(desk, template, &mut parsed)?;
            let ready = inputs.len();
            if opts.dry_run || !parsed.rejected.is_empty() {
                return finish(&sheet, &mut parsed, opts, ready, 0);
            }
            let (rows, projects): (Vec<u32>, Vec<_>) = inputs.into_iter().unzip();
            let imported = commit(
                &mut parsed,
                &rows,
                approved_projects::add_many(desk, actor, projects).map(|v| v.len()),
            )?;
            (parsed, ready, imported)
        }
        Target::RemoteLearning => unreachable!("handled above"),
    };
    finish(&sheet, &mut parsed, opts, ready, imported)
}

/// Remote learning for one hosted project: every row checked, then the core judges completion
/// per platform; a dry run shows that decision, an import records it (all credits or none).
fn import_remote(
    desk: &mut Desk,
    actor: &Actor,
    template: &Template,
    path: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport> {
    let book = RuleBook::embedded().map_err(CoreError::from)?;
    let reference = opts.project.as_deref().unwrap_or_default();
    // The project is checked before the file is read: a wrong code is one error, not every row.
    let (project, policy) = remote_project::remote_project(desk, &book, reference)?;
    let sheet = read::open(path)?;
    let mut parsed = read::parse(template, &sheet, actor.today(), &opts.read, progress)?;
    let inputs = remote::remote_inputs(desk, template, &project, &mut parsed)?;
    let ready = parsed.records.len();
    if !parsed.rejected.is_empty() {
        return finish(&sheet, &mut parsed, opts, ready, 0);
    }
    let (outcome, saved) = if opts.dry_run {
        let o = remote_project::preview_remote(
            desk,
            actor,
            &book,
            &project,
            &inputs.records,
            &inputs.exams,
            &policy,
        )?;
        (o, None)
    } else {
        let r = credit_store::import_remote(
            desk,
            actor,
            &book,
            &project,
            &inputs.records,
            &inputs.exams,
            &policy,
        )?;
        (r.outcome, Some(r.saved))
    };
    let summary = remote::summary(&project, &outcome, &inputs.people, saved);
    let imported = if opts.dry_run { 0 } else { ready };
    let mut report = finish(&sheet, &mut parsed, opts, ready, imported)?;
    report.remote = Some(summary);
    Ok(report)
}

/// Maps a batch refusal back to its sheet row; other core errors (permissions, the database)
/// are errors of the whole import.
fn commit(parsed: &mut Parsed, rows: &[u32], result: cmedesk_core::Result<usize>) -> Result<usize> {
    match result {
        Ok(n) => Ok(n),
        Err(e) => {
            let (index, source) = match &e {
                CoreError::InBatch { index, source } => (*index, source.as_ref()),
                _ if rows.len() == 1 && e.field().is_some() => (0, &e),
                _ => return Err(e.into()),
            };
            let row = rows.get(index).copied().unwrap_or(parsed.header_row);
            let field = source.field().map(|f| match f {
                "department_id" => "department",
                "card_key" => "card_no",
                "planned_end" | "planned_start" => "period",
                other => other,
            });
            let field = field.filter(|f| parsed.mapped(f).is_some());
            parsed.reject(row, field, source.message_zh());
            Ok(0)
        }
    }
}

fn finish(
    sheet: &read::Sheet,
    parsed: &mut Parsed,
    opts: &ImportOptions,
    ready: usize,
    imported: usize,
) -> Result<ImportReport> {
    parsed.rejected.sort_by_key(|r| r.row);
    let report = match &opts.report {
        Some(p) if !parsed.rejected.is_empty() => {
            report::write_error_report(sheet, parsed, p)?;
            Some(p.display().to_string())
        }
        _ => None,
    };
    Ok(ImportReport {
        template: parsed.template.clone(),
        sheet: parsed.sheet.clone(),
        header_row: parsed.header_row,
        mapping: parsed.mapping.clone(),
        unmapped: parsed.unmapped.clone(),
        dry_run: opts.dry_run,
        imported,
        ready,
        data_rows: parsed.data_rows,
        skipped_blank: parsed.skipped_blank,
        skipped_notes: parsed.skipped_notes,
        rejected: parsed.rejected.clone(),
        warnings: parsed.warnings.clone(),
        report,
        remote: None,
    })
}
