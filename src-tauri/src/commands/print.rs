//! 打印 commands: credit registration booklets (学分登记手册) for one person, a department or the
//! whole hospital as a cancellable job with `print-progress` events; a signed credit statement
//! (学分记录明细表); verifying a statement code or file; opening what was printed.
//!
//! A batch reads the store through its own connection (the models are built on the job's
//! thread, the PDFs drawn by `cmedesk-print`'s worker threads), so the rest of the app stays
//! usable while thousands of booklets print. Files appear only complete (`*.part`, then rename):
//! a cancelled batch leaves whole booklets or nothing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Mutex, OnceLock};

use cmedesk_core::printouts::{self, BookletScope};
use cmedesk_core::{Desk, Permission, statement_issues};
use cmedesk_print::batch::{BatchMode, BatchOptions, BatchProgress, print_booklets_from};
use cmedesk_print::verify::{self, Verification};
use cmedesk_print::{FontSet, PrintError, Printer, signing_key};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The print crate's messages are "中文 / English": the UI shows the Chinese half.
fn chinese(e: &PrintError) -> String {
    let text = e.to_string();
    text.split(" / ").next().unwrap_or(&text).to_owned()
}

impl From<PrintError> for ApiError {
    fn from(e: PrintError) -> Self {
        ApiError::new(e.code(), chinese(&e))
    }
}

/// Which people a batch covers, as the page sends it: `{kind: "department", id: "..."}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum PrintScope {
    Staff(String),
    Department(String),
    All,
}

impl From<PrintScope> for BookletScope {
    fn from(s: PrintScope) -> Self {
        match s {
            PrintScope::Staff(id) => BookletScope::Staff(id),
            PrintScope::Department(id) => BookletScope::Department(id),
            PrintScope::All => BookletScope::All,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PrintDefaults {
    /// Where printouts go unless the officer picks another folder: `打印` beside the database.
    pub out_dir: String,
    pub year: i32,
    /// The drawing fonts found on this machine (primary first), or why none can be used.
    pub fonts: Vec<String>,
    pub font_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrintProgress {
    pub job_id: String,
    pub done: usize,
    pub total: usize,
    pub failed: usize,
}

#[derive(Debug, Serialize)]
pub struct PrintFailure {
    pub department: String,
    pub name: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct BookletJobReport {
    pub out_dir: String,
    pub total: usize,
    pub booklets: usize,
    pub files: usize,
    /// The first file written (to open a single person's booklet directly).
    pub first_file: Option<String>,
    pub bytes: u64,
    pub failures: Vec<PrintFailure>,
    pub cancelled: bool,
    pub elapsed_ms: u64,
}

#[derive(Debug, Serialize)]
pub struct StatementReport {
    pub file: String,
    pub short_code: String,
    pub code: String,
    pub rows: usize,
    pub total_credits: String,
    pub total_hours: String,
    pub key_created: bool,
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

fn default_out_dir(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("打印")
}

/// Folders and files this run printed: the only places `open_printed` opens.
fn printed() -> &'static Mutex<HashSet<PathBuf>> {
    static PRINTED: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    PRINTED.get_or_init(|| Mutex::new(HashSet::new()))
}

fn remember(path: &Path) {
    printed().lock().unwrap_or_else(|p| p.into_inner()).insert(path.to_path_buf());
}

fn fonts() -> ApiResult<FontSet> {
    let spec =
        std::env::var("CMEDESK_FONT").ok().filter(|f| !f.is_empty()).map(|f| match f.rsplit_once('#') {
            Some((path, face)) if face.parse::<usize>().is_ok() => {
                cmedesk_print::FontSpec::new(path, face.parse().unwrap_or(0))
            }
            _ => cmedesk_print::FontSpec::new(f, 0),
        });
    Ok(cmedesk_print::discover(spec.as_ref())?)
}

fn out_path(text: &str) -> ApiResult<PathBuf> {
    let p = PathBuf::from(text.trim());
    if text.trim().is_empty() || !p.is_absolute() {
        return Err(ApiError {
            field: Some("out_dir".into()),
            ..ApiError::new("PRINT_OUT_DIR", "请填写输出文件夹的完整路径")
        });
    }
    Ok(p)
}

#[tauri::command]
pub async fn print_defaults(state: State<'_, AppState>) -> ApiResult<PrintDefaults> {
    use chrono::Datelike;
    state.read(|_, _| Ok(()))?;
    let (fonts, font_error) = match fonts() {
        Ok(f) => (f.fonts.iter().map(|f| f.name.clone()).collect(), None),
        Err(e) => (Vec::new(), Some(e.message)),
    };
    Ok(PrintDefaults {
        out_dir: default_out_dir(state.db_path()).display().to_string(),
        year: now().year(),
        fonts,
        font_error,
    })
}

/// The first booklet of `scope` for `year` as PDF bytes (an `ArrayBuffer` in the page), for the
/// print dialog's preview of the first page before a batch starts. Nothing is written to disk.
#[tauri::command]
pub async fn preview_booklet(
    state: State<'_, AppState>,
    scope: PrintScope,
    year: i32,
) -> ApiResult<tauri::ipc::Response> {
    let fonts = fonts()?;
    let first = state
        .read(|desk, _| Ok(printouts::booklet_batch(desk, &scope.into(), year)?.next().transpose()?))?;
    let first =
        first.ok_or_else(|| ApiError::new("PRINT_NOBODY", "所选范围内没有人员，无可预览的学分登记手册"))?;
    let bytes = Printer::new(fonts).booklet_pdf(&first)?;
    Ok(tauri::ipc::Response::new(bytes))
}

/// Prints the booklets of `scope` for `year` into `out_dir` (one PDF per person, or combined
/// PDFs of at most `combined` booklets). Cancel with `cancel_job(job_id)`.
#[allow(clippy::too_many_arguments)]
#[tauri::command]
pub async fn print_booklets(
    app: AppHandle,
    state: State<'_, AppState>,
    job_id: String,
    scope: PrintScope,
    year: i32,
    out_dir: String,
    combined: Option<usize>,
    duplex: bool,
) -> ApiResult<BookletJobReport> {
    state.read(|_, _| Ok(()))?; // signed in
    let out = out_path(&out_dir)?;
    let db = state.db_path().to_path_buf();
    let cancel = state.start_job(&job_id);
    let job = job_id.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        booklet_job(&app, &db, &job, scope.into(), year, out, combined, duplex, &cancel)
    })
    .await
    .map_err(|e| ApiError::new("JOB_FAILED", format!("打印任务异常终止：{e}")));
    state.finish_job(&job_id);
    outcome?
}

#[allow(clippy::too_many_arguments)]
fn booklet_job(
    app: &AppHandle,
    db: &Path,
    job_id: &str,
    scope: BookletScope,
    year: i32,
    out: PathBuf,
    combined: Option<usize>,
    duplex: bool,
    cancel: &AtomicBool,
) -> ApiResult<BookletJobReport> {
    let fonts = fonts()?;
    // Its own connection: the batch reads for minutes without holding the app's desk.
    let desk = Desk::open(db)?;
    let batch = printouts::booklet_batch(&desk, &scope, year)?;
    let total = batch.total();
    let options = BatchOptions {
        out_dir: out.clone(),
        mode: match combined {
            Some(n) => BatchMode::Combined { max_booklets_per_file: n.max(1) },
            None => BatchMode::PerPerson,
        },
        threads: 0,
        pad_to_even: duplex,
    };
    // An event per percent or every 200 ms, whichever comes first: a smooth bar without
    // flooding the webview; the first one says how many people the batch covers.
    let step = (total / 100).max(1);
    let last = Mutex::new((0usize, std::time::Instant::now()));
    let emit = |done: usize, failed: usize| {
        let _ = app.emit("print-progress", PrintProgress { job_id: job_id.to_owned(), done, total, failed });
    };
    emit(0, 0);
    let progress = |p: BatchProgress| {
        let mut last = last.lock().unwrap_or_else(|e| e.into_inner());
        let due = p.done / step != last.0 / step || last.1.elapsed().as_millis() >= 200 || p.done == total;
        if due && p.done >= last.0 {
            *last = (p.done, std::time::Instant::now());
            emit(p.done, p.failed);
        }
    };
    let started = std::time::Instant::now();
    let (report, read_error) = print_booklets_from(&fonts, batch, Some(total), &options, &progress, cancel)?;
    if let Some(e) = read_error {
        return Err(e.into());
    }
    remember(&out);
    for f in &report.files {
        remember(f);
    }
    let bytes = report.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    Ok(BookletJobReport {
        out_dir: out.display().to_string(),
        total,
        booklets: report.booklets,
        files: report.files.len(),
        first_file: report.files.first().map(|f| f.display().to_string()),
        bytes,
        failures: report
            .failures
            .iter()
            .map(|f| PrintFailure {
                department: f.department.clone(),
                name: f.name.clone(),
                code: f.error.code().to_owned(),
                message: chinese(&f.error),
            })
            .collect(),
        cancelled: report.cancelled,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

/// Prints a person's signed credit statement for `year` to `out_file` and logs its issue.
#[tauri::command]
pub async fn print_statement(
    state: State<'_, AppState>,
    staff_id: String,
    year: i32,
    out_file: String,
    show_full_id: bool,
) -> ApiResult<StatementReport> {
    let out = out_path(&out_file)?;
    let fonts = fonts()?;
    let key_path = signing_key::default_path(state.db_path());
    let (key, key_created) = signing_key::load_or_create(&key_path)?;
    let (report, bytes) = state.write(|desk, actor| {
        actor.require(Permission::IssueStatements)?;
        if show_full_id {
            actor.require(Permission::ViewFullIdNumbers)?;
        }
        let st = printouts::statement(desk, &staff_id, year, show_full_id, actor.now)?;
        let code = st.sign(&key).map_err(PrintError::from)?;
        let bytes = Printer::new(fonts).statement_pdf(&st, &code)?;
        // Logged before the file appears: a statement on disk is always in the log.
        let issue = statement_issues::record(desk, actor, &staff_id, year, &st, &code)?;
        let report = StatementReport {
            file: out.display().to_string(),
            short_code: issue.short_code,
            code: issue.code,
            rows: st.rows.len(),
            total_credits: st.total_credits().to_string(),
            total_hours: st.total_hours().to_string(),
            key_created,
        };
        Ok((report, bytes))
    })?;
    write_atomically(&out, &bytes)?;
    remember(&out);
    Ok(report)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> ApiResult<()> {
    let io = |e: std::io::Error| ApiError::new("PRINT_IO", format!("写入 {} 失败：{e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    std::fs::write(&part, bytes).map_err(io)?;
    std::fs::rename(&part, path).map_err(io)
}

/// Checks a statement: its PDF file (a path), its full `CME1:` code or its short 验证码.
#[tauri::command]
pub async fn verify_statement(state: State<'_, AppState>, input: String) -> ApiResult<Verification> {
    let key_path = signing_key::default_path(state.db_path());
    let trusted =
        if key_path.exists() { vec![signing_key::load(&key_path)?.verifying_key()] } else { Vec::new() };
    state.read(|desk, _| Ok(verify::verify_input(input.trim(), &trusted, Some(desk))))
}

/// Opens a folder or file this run printed with the system's file manager or PDF viewer.
#[tauri::command]
pub async fn open_printed(path: String) -> ApiResult<()> {
    let p = PathBuf::from(&path);
    let known = printed().lock().unwrap_or_else(|e| e.into_inner()).contains(&p);
    if !known {
        return Err(ApiError::new("PRINT_NOT_PRINTED", "只能打开本次打印的文件或文件夹"));
    }
    let opener = if cfg!(windows) {
        "explorer"
    } else if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(&p)
        .spawn()
        .map(|mut child| {
            // Reap the opener when it exits (it hands the path to the desktop and quits).
            std::thread::spawn(move || child.wait());
        })
        .map_err(|e| ApiError::new("PRINT_OPEN_FAILED", format!("无法打开 {}：{e}", p.display())))
}
