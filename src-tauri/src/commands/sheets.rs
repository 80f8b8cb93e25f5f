//! 导入 / 导出 commands: the import wizard (preview with the detected template and header
//! mapping, dry run, import with `job-progress` events) and template exports. Everything is a
//! call into `cmedesk-sheets`; ID numbers leave masked unless a full view was granted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cmedesk_core::privacy::{self, IdView};
use cmedesk_sheets::{
    Exported, ImportOptions, ImportReport, ReadOptions, SheetsError, Template, mappings, wizard,
};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};

use crate::commands::setup::JobProgress;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

fn api(e: SheetsError) -> ApiError {
    match e {
        SheetsError::Core(core) => core.into(),
        other => ApiError::new(other.code(), other.message_zh()),
    }
}

/// One shipped template as the wizard lists it.
#[derive(Debug, Serialize)]
pub struct TemplateInfo {
    pub name: String,
    pub title: String,
    pub description: String,
    pub importable: bool,
    pub exportable: bool,
    /// The import names the hosted project the rows are for (remote learning).
    pub needs_project: bool,
    /// Why the template is only checked, when it says (credit list).
    pub import_note: Option<String>,
}

#[tauri::command]
pub async fn list_sheet_templates(state: State<'_, AppState>) -> ApiResult<Vec<TemplateInfo>> {
    state.read(|_, _| {
        Ok(Template::all()
            .map_err(api)?
            .into_iter()
            .map(|t| TemplateInfo {
                importable: t.importable(),
                exportable: cmedesk_sheets::exportable(&t),
                needs_project: t.needs_project(),
                import_note: t.import_note.clone(),
                name: t.name,
                title: t.title,
                description: t.description,
            })
            .collect())
    })
}

fn mask_rows(rejected: &mut [cmedesk_sheets::Rejection], warnings: &mut [cmedesk_sheets::Warning]) {
    for r in rejected {
        r.reason = privacy::mask_text(&r.reason);
    }
    for w in warnings {
        w.message = privacy::mask_text(&w.message);
    }
}

fn checked_path(path: &str) -> ApiResult<PathBuf> {
    let p = PathBuf::from(path.trim());
    if path.trim().is_empty() || !p.is_file() {
        return Err(ApiError::new("FILE_NOT_FOUND", format!("找不到文件：{}", path.trim())));
    }
    Ok(p)
}

/// The wizard's first look: template (chosen or detected), first rows, header mapping, and the
/// sheet-level check of every row.
#[tauri::command]
pub async fn preview_sheet(
    state: State<'_, AppState>,
    path: String,
    template: Option<String>,
    map: Option<HashMap<String, String>>,
) -> ApiResult<wizard::WizardPreview> {
    let path = checked_path(&path)?;
    state.read(|desk, _| {
        let today = chrono::Local::now().date_naive();
        let mut p = wizard::preview(desk, &path, template.as_deref(), &map.unwrap_or_default(), today)
            .map_err(api)?;
        for row in &mut p.head {
            for cell in row {
                *cell = privacy::mask_text(cell);
            }
        }
        if let Some(parsed) = &mut p.parsed {
            mask_rows(&mut parsed.rejected, &mut parsed.warnings);
        }
        Ok(p)
    })
}

/// Dry run or import (all or nothing) with progress events; `remember` keeps the officer's
/// header choices for the next file of this template (only on a real import).
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn import_sheet(
    app: AppHandle,
    job_id: String,
    path: String,
    template: String,
    map: Option<HashMap<String, String>>,
    dry_run: bool,
    remember: bool,
    report: Option<String>,
    project: Option<String>,
) -> ApiResult<ImportReport> {
    let path = checked_path(&path)?;
    let app2 = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let state = app2.state::<AppState>();
        state.write(|desk, actor| {
            let t = Template::get(&template).map_err(api)?;
            let map = map.unwrap_or_default();
            if remember && !dry_run {
                for (header, field) in &map {
                    mappings::remember(desk, actor, &t, header, field).map_err(api)?;
                }
            }
            let opts = ImportOptions {
                dry_run,
                report: report.filter(|r| !r.trim().is_empty()).map(PathBuf::from),
                read: ReadOptions { header_map: map.into_iter().collect(), progress_every: 5_000 },
                project,
            };
            let mut progress = |done: usize, total: usize| {
                // A lost progress event only delays the bar; the result is what counts.
                let _ = app2.emit(
                    "job-progress",
                    JobProgress {
                        job_id: job_id.clone(),
                        done: done as u32,
                        total: total as u32,
                        stage: if dry_run { "检查" } else { "导入" }.to_owned(),
                    },
                );
            };
            let mut r = cmedesk_sheets::import(desk, actor, &t, &path, &opts, &mut progress).map_err(api)?;
            mask_rows(&mut r.rejected, &mut r.warnings);
            if let Some(remote) = &mut r.remote {
                for p in remote.credited.iter_mut().chain(remote.not_credited.iter_mut()) {
                    p.id_number = privacy::mask_text(&p.id_number);
                }
            }
            Ok(r)
        })
    })
    .await
    .map_err(|e| ApiError::new("JOB_FAILED", format!("导入任务异常终止：{e}")))?
}

/// What a page's 导出 Excel covers (see `cmedesk_sheets::ExportScope`); blank means unset.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct ExportFilter {
    year: Option<i32>,
    department: Option<String>,
    staff: Option<String>,
    project: Option<String>,
}

/// A filter value, or none when it is blank.
fn set(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Exports a template from the desk for the page's `filter`; ID numbers masked unless `full_id`
/// (needs the permission, and the view is written to the audit log first).
#[tauri::command]
pub async fn export_sheet(
    state: State<'_, AppState>,
    template: String,
    path: String,
    filter: ExportFilter,
    full_id: bool,
) -> ApiResult<Exported> {
    let out = Path::new(path.trim()).to_path_buf();
    if path.trim().is_empty() {
        return Err(ApiError::new("FILE_NOT_FOUND", "请填写导出文件的路径"));
    }
    state.write(|desk, actor| {
        let t = Template::get(&template).map_err(api)?;
        let view = if full_id { privacy::reveal(desk, actor, "导出表格")? } else { IdView::Masked };
        let scope = cmedesk_sheets::ExportScope {
            year: filter.year,
            department: set(&filter.department),
            staff: set(&filter.staff),
            project: set(&filter.project),
        };
        cmedesk_sheets::export_for_view(desk, &t, &scope, &out, &view).map_err(api)
    })
}
