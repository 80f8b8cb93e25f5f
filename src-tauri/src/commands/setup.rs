//! First start: where the database lives, creating an empty one (with its admin), or loading the
//! seeded demo hospital as a cancellable job that reports progress through `job-progress` events.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use cmedesk_core::{Actor, Desk, synthetic, users};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Seed of the demo hospital: the same officers see the same made-up people on every machine.
const DEMO_SEED: u64 = 20_261_122;

#[derive(Debug, Serialize)]
pub struct AppInfo {
    pub db_path: String,
    pub db_exists: bool,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobProgress {
    pub job_id: String,
    pub done: u32,
    pub total: u32,
    pub stage: String,
}

#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> ApiResult<AppInfo> {
    Ok(AppInfo {
        db_path: state.db_path().display().to_string(),
        db_exists: state.db_path().exists(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

fn refuse_existing(path: &Path) -> ApiResult<()> {
    if path.exists() {
        return Err(ApiError::new("DATABASE_EXISTS", format!("数据库已存在：{}", path.display())));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ApiError::new("IO", format!("无法创建数据目录 {}：{e}", dir.display())))?;
    }
    Ok(())
}

/// Removes a half-made database and its WAL files; best effort, the files may not exist.
fn discard(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal", ".key"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// The database is built beside its final place and renamed only when complete, so the app
/// never opens a half-created desk after a crash or a cancel.
fn staging_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".creating");
    PathBuf::from(p)
}

fn build_at(path: &Path, fill: impl FnOnce(&mut Desk) -> ApiResult<()>) -> ApiResult<()> {
    let staging = staging_path(path);
    discard(&staging);
    let result = (|| {
        let mut desk = Desk::create(&staging)?;
        fill(&mut desk)?;
        drop(desk); // closes the connection and checkpoints the WAL before the rename
        // The data key first: a key file without its database is harmless, the reverse is not.
        let key = |p: &Path| cmedesk_core::db_key::key_path(p);
        std::fs::rename(key(&staging), key(path))
            .map_err(|e| ApiError::new("IO", format!("无法保存数据库密钥：{e}")))?;
        std::fs::rename(&staging, path).map_err(|e| ApiError::new("IO", format!("无法保存数据库：{e}")))
    })();
    if result.is_err() {
        discard(&staging);
    }
    result
}

#[tauri::command]
pub async fn create_database(state: State<'_, AppState>, admin_password: String) -> ApiResult<()> {
    let path = state.db_path().to_path_buf();
    refuse_existing(&path)?;
    build_at(&path, |desk| {
        users::bootstrap_admin(desk, &admin_password, now())?;
        Ok(())
    })
}

#[tauri::command]
pub async fn load_demo_hospital(
    app: AppHandle,
    state: State<'_, AppState>,
    job_id: String,
    staff_count: u32,
    admin_password: String,
) -> ApiResult<()> {
    let path = state.db_path().to_path_buf();
    refuse_existing(&path)?;
    let cancel = state.start_job(&job_id);
    let job = job_id.clone();
    let app2 = app.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        demo_job(&app2, &path, &job, staff_count, &admin_password, &cancel)
    })
    .await
    .map_err(|e| ApiError::new("JOB_FAILED", format!("载入示例医院的任务异常终止：{e}")));
    state.finish_job(&job_id);
    outcome?
}

fn demo_job(
    app: &AppHandle,
    path: &Path,
    job_id: &str,
    staff_count: u32,
    admin_password: &str,
    cancel: &AtomicBool,
) -> ApiResult<()> {
    const TOTAL: u32 = 3;
    let progress = |done: u32, stage: &str| {
        // A lost progress event only delays the bar; the command's result is what counts.
        let _ = app.emit(
            "job-progress",
            JobProgress { job_id: job_id.to_owned(), done, total: TOTAL, stage: stage.to_owned() },
        );
    };
    let cancelled = || ApiError::new("JOB_CANCELLED", "已取消载入示例医院");
    build_at(path, |desk| {
        progress(0, "创建数据库与管理员");
        let admin = users::bootstrap_admin(desk, admin_password, now())?;
        if cancel.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        progress(1, "生成示例医院");
        let actor = Actor::new(admin, now());
        let hospital = synthetic::generate(DEMO_SEED, staff_count as usize, actor.today());
        if cancel.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        progress(2, "写入科室、人员与项目");
        synthetic::load(desk, &actor, &hospital)?;
        // Swipes on the held projects, so 考勤分析 and 授分 have something to work on.
        synthetic::demo_swipes(desk, &actor, DEMO_SEED)?;
        // A cancel that arrives during the load still wins: the staged file is discarded.
        if cancel.load(Ordering::SeqCst) {
            return Err(cancelled());
        }
        progress(3, "完成");
        Ok(())
    })
}

#[tauri::command]
pub async fn cancel_job(state: State<'_, AppState>, job_id: String) -> ApiResult<bool> {
    Ok(state.cancel_job(&job_id))
}
