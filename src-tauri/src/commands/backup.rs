//! 备份 commands: back up now (an online copy on its own connection, `backup-progress` events),
//! the folder's backups, verify one, preview a restore, restore. Admin only (the core checks
//! `ManageBackups`). After a restore the desk is reopened and the operator signed out: the users,
//! passwords and roles are the backup's now. 定时备份: the schedule (read, save — audited by the
//! core) and the background scheduler (`crate::scheduler`) started at sign-in. The folder is the
//! schedule's (`backups/` beside the database unless set).

use std::path::{Path, PathBuf};

use cmedesk_core::backup::{self, Manifest, Progress, RestorePreview, Trigger, folder, schedule};
use cmedesk_core::{Actor, Desk, Permission};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::error::{ApiError, ApiResult};
use crate::scheduler::{self, BackupScheduler};
use crate::state::AppState;

/// The schedule's folder (`backups/` beside the database unless set), as for `cmedesk backup`.
fn backup_dir(desk: &Desk, db: &Path) -> ApiResult<PathBuf> {
    Ok(schedule::load(desk)?.folder_for(db))
}

/// Only files of the backup folder: the page never names another path.
fn in_folder(state: &AppState, file: &str) -> ApiResult<PathBuf> {
    let dir = state.read(|desk, _| backup_dir(desk, state.db_path()))?;
    let p = PathBuf::from(file);
    if p.parent() != Some(dir.as_path()) || p.extension().is_none_or(|e| e != "db") {
        return Err(ApiError::new("BACKUP_NOT_FOUND", format!("{file} 不是备份文件夹中的备份")));
    }
    Ok(p)
}

#[derive(Debug, Serialize)]
pub struct BackupFolder {
    pub dir: String,
    pub backups: Vec<folder::BackupEntry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupProgressEvent {
    pub job_id: String,
    #[serde(flatten)]
    pub progress: Progress,
}

#[derive(Debug, Serialize)]
pub struct BackupCreated {
    pub file: String,
    pub manifest: Manifest,
    pub rotated_out: Vec<String>,
    pub elapsed_ms: u64,
}

fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

#[tauri::command]
pub async fn list_backups(state: State<'_, AppState>) -> ApiResult<BackupFolder> {
    state.read(|desk, op| {
        if !op.role.allows(Permission::ManageBackups) {
            return Err(ApiError::new("FORBIDDEN", "只有管理员可以管理备份"));
        }
        let dir = backup_dir(desk, state.db_path())?;
        let backups = folder::list(&dir, desk.unlock(), now().date_naive())?;
        Ok(BackupFolder { dir: dir.display().to_string(), backups })
    })
}

/// Backs up now on a connection of its own (the app stays usable), then rotates the folder.
#[tauri::command]
pub async fn create_backup(
    app: AppHandle,
    state: State<'_, AppState>,
    job_id: String,
) -> ApiResult<BackupCreated> {
    // A sibling connection of the session's desk: no second open, no second checkpointer.
    let (operator, unlock, dir, desk) = state.read(|desk, op| {
        Ok((op.clone(), desk.unlock().clone(), backup_dir(desk, state.db_path())?, desk.sibling()?))
    })?;
    tauri::async_runtime::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let actor = Actor::new(operator, now());
        std::fs::create_dir_all(&dir)
            .map_err(|e| ApiError::new("BACKUP_DIR", format!("无法创建备份文件夹 {}：{e}", dir.display())))?;
        let target = dir.join(format!("desk-{}.db", actor.now.format("%Y%m%d-%H%M%S")));
        let progress = |p: Progress| {
            let _ = app.emit("backup-progress", BackupProgressEvent { job_id: job_id.clone(), progress: p });
        };
        let manifest = backup::create_with(&desk, &actor, &target, Trigger::Manual, &progress)?;
        let rotated_out = folder::rotate(&dir, &unlock, &target, actor.today())?;
        Ok(BackupCreated {
            file: target.display().to_string(),
            manifest,
            rotated_out: rotated_out.iter().map(|p| p.display().to_string()).collect(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        })
    })
    .await
    .map_err(|e| ApiError::new("JOB_FAILED", format!("备份任务异常终止：{e}")))?
}

#[tauri::command]
pub async fn verify_backup(state: State<'_, AppState>, file: String) -> ApiResult<folder::CheckRecord> {
    let path = in_folder(&state, &file)?;
    let (at, unlock) = state.write(|desk, actor| {
        actor.require(Permission::ManageBackups)?;
        Ok((actor.timestamp(), desk.unlock().clone()))
    })?;
    // Off the desk's lock: an integrity check of a large copy takes a while.
    tauri::async_runtime::spawn_blocking(move || {
        let check = folder::verify_and_record(&path, &unlock, &at)?;
        Ok(folder::CheckRecord {
            checked_at: at,
            ok: check.ok,
            integrity: check.integrity,
            mismatches: check.mismatches,
        })
    })
    .await
    .map_err(|e| ApiError::new("JOB_FAILED", format!("校验任务异常终止：{e}")))?
}

#[tauri::command]
pub async fn preview_restore(state: State<'_, AppState>, file: String) -> ApiResult<RestorePreview> {
    let path = in_folder(&state, &file)?;
    state.write(|desk, actor| {
        actor.require(Permission::ManageBackups)?;
        Ok(backup::preview_restore(desk, &path)?)
    })
}

/// Restores the backup over the desk, reopens the desk and signs the operator out.
#[tauri::command]
pub async fn restore_backup(state: State<'_, AppState>, file: String) -> ApiResult<RestorePreview> {
    let path = in_folder(&state, &file)?;
    // The background sync holds a sibling connection that knows the desk's old sync identity;
    // the restored desk gets a new one. Stop it first; the next sign-in starts it afresh.
    state.replace_sync_loop(None);
    // The scheduler's sibling connection too: it must not back up a desk mid-restore.
    state.backup_schedule().take();
    let preview = state.write(|desk, actor| Ok(backup::restore(desk, actor, &path)?))?;
    let mut session = state.session();
    let unlock = session.desk.as_ref().map(|d| d.unlock().clone()).unwrap_or_default();
    session.operator = None;
    session.desk = None;
    session.desk = Some(Desk::open_with(state.db_path(), &unlock)?);
    Ok(preview)
}

/// The schedule as the 备份 page shows it, and whether a scheduled backup is running now.
#[derive(Debug, Serialize)]
pub struct ScheduleView {
    #[serde(flatten)]
    pub status: schedule::Status,
    pub running: bool,
}

fn schedule_view(state: &AppState, desk: &Desk) -> ApiResult<ScheduleView> {
    let running = state.backup_schedule().as_ref().is_some_and(BackupScheduler::is_running);
    Ok(ScheduleView { status: schedule::status(desk, now(), false)?, running })
}

#[tauri::command]
pub async fn backup_schedule(state: State<'_, AppState>) -> ApiResult<ScheduleView> {
    state.read(|desk, op| {
        if !op.role.allows(Permission::ManageBackups) {
            return Err(ApiError::new("FORBIDDEN", "只有管理员可以管理备份"));
        }
        schedule_view(&state, desk)
    })
}

/// Saves the schedule (the core checks the role and the time, and audits it) and wakes the
/// scheduler so a time that has just passed is taken at once.
#[tauri::command]
pub async fn save_backup_schedule(
    app: AppHandle,
    state: State<'_, AppState>,
    schedule: schedule::Schedule,
) -> ApiResult<ScheduleView> {
    state.write(|desk, actor| {
        schedule::save(desk, actor, schedule)?;
        Ok(())
    })?;
    // The scheduler's lock is let go before starting one (which takes it again).
    let woken = state.backup_schedule().as_ref().map(BackupScheduler::wake).is_some();
    if !woken {
        start_backup_schedule(&app, &state)?;
    }
    state.read(|desk, _| schedule_view(&state, desk))
}

/// Starts the scheduler on a sibling of the session's desk unless it runs already.
pub fn start_backup_schedule(app: &AppHandle, state: &AppState) -> ApiResult<()> {
    if state.backup_schedule().is_some() {
        return Ok(());
    }
    // The session's lock is let go before the scheduler's is taken (commands take them the other
    // way round: the page's status holds the session and asks whether a backup is running).
    let desk = {
        let mut session = state.session();
        state.ensure_open(&mut session)?.sibling()?
    };
    let mut slot = state.backup_schedule();
    if slot.is_some() {
        return Ok(());
    }
    let app = app.clone();
    let report: scheduler::Report = Box::new(move |event| match event {
        scheduler::Event::Schedule(e) => {
            let _ = app.emit("backup-schedule", e);
        }
        scheduler::Event::Progress(p) => {
            let _ = app.emit(
                "backup-progress",
                BackupProgressEvent { job_id: scheduler::JOB_ID.into(), progress: p },
            );
        }
    });
    let started = BackupScheduler::start(desk, scheduler::tick(), report)
        .map_err(|e| ApiError::new("BACKUP_SCHEDULE", format!("无法启动定时备份：{e}")))?;
    *slot = Some(started);
    Ok(())
}
