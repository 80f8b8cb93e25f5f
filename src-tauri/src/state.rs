//! Shared state of the running app: where the database lives, the open desk, the signed-in
//! operator, the cancel flags of running jobs and the background sync loop. One mutex for the
//! session: the desk is a single SQLite connection and every command is short, so commands
//! simply take turns. The sync loop and the backup scheduler each have a sibling connection of
//! that desk and a lock of their own.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use cmedesk_core::{Actor, Desk, Operator};
use cmedesk_sync::background::SyncLoop;

use crate::commands::kiosk::KioskRun;
use crate::commands::lan::LanRun;
use crate::error::{ApiError, ApiResult};
use crate::memory::Trimmer;
use crate::scheduler::BackupScheduler;

#[derive(Default)]
pub struct Session {
    pub desk: Option<Desk>,
    pub operator: Option<Operator>,
}

pub struct AppState {
    db_path: PathBuf,
    session: Mutex<Session>,
    jobs: Mutex<HashMap<String, Arc<AtomicBool>>>,
    /// The serial reader of the 签到 page, when one runs.
    kiosk: Mutex<Option<KioskRun>>,
    /// The LAN self-service (局域网自助服务) started from the 签到 page, when one runs.
    lan: Mutex<Option<LanRun>>,
    /// The background sync, when a server is configured (see `commands::sync`).
    sync: Mutex<Option<Arc<SyncLoop>>>,
    /// Gives memory back after work (see `memory`); none when turned off.
    trimmer: OnceLock<Trimmer>,
    /// 定时备份, from the first sign-in on (see `scheduler`).
    backup_schedule: Mutex<Option<BackupScheduler>>,
}

impl AppState {
    pub fn new(db_path: PathBuf) -> AppState {
        AppState {
            db_path,
            session: Mutex::new(Session::default()),
            jobs: Mutex::new(HashMap::new()),
            kiosk: Mutex::new(None),
            lan: Mutex::new(None),
            sync: Mutex::new(None),
            trimmer: OnceLock::new(),
            backup_schedule: Mutex::new(None),
        }
    }

    /// Installs the trimmer that gives memory back after work (once, at start-up).
    pub fn set_trimmer(&self, trimmer: Trimmer) {
        let _ = self.trimmer.set(trimmer);
    }

    /// Work touched the desk: give memory back once the app is quiet again.
    pub fn after_work(&self) {
        if let Some(trimmer) = self.trimmer.get() {
            trimmer.nudge();
        }
    }

    /// The trimmer's release (on its thread): the desk's page cache, then glibc's free pages.
    pub fn release_memory(&self) {
        if let Some(desk) = self.session().desk.as_ref()
            && let Err(e) = desk.release_memory()
        {
            eprintln!("CME Desk: page cache not released ({e})");
        }
        crate::memory::release_free_pages();
    }

    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// A panicking command must not lock everybody out: the data behind the lock is a
    /// connection whose transactions roll back on their own, so recovering the guard is safe.
    pub fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens the database on first use if the file exists.
    pub fn ensure_open<'a>(&self, session: &'a mut Session) -> ApiResult<&'a mut Desk> {
        if session.desk.is_none() {
            if !self.db_path.exists() {
                return Err(ApiError::no_database());
            }
            session.desk = Some(Desk::open(&self.db_path)?);
        }
        session.desk.as_mut().ok_or_else(ApiError::no_database)
    }

    /// Runs a query for the signed-in operator.
    pub fn read<T>(&self, f: impl FnOnce(&Desk, &Operator) -> ApiResult<T>) -> ApiResult<T> {
        let mut session = self.session();
        let operator = session.operator.clone().ok_or_else(ApiError::not_logged_in)?;
        let desk = self.ensure_open(&mut session)?;
        let out = f(desk, &operator);
        drop(session);
        self.after_work();
        out
    }

    /// Runs a mutation as the signed-in operator, now (the shell reads the clock, never the core).
    pub fn write<T>(&self, f: impl FnOnce(&mut Desk, &Actor) -> ApiResult<T>) -> ApiResult<T> {
        let mut session = self.session();
        let operator = session.operator.clone().ok_or_else(ApiError::not_logged_in)?;
        let desk = self.ensure_open(&mut session)?;
        let actor = Actor::new(operator, chrono::Local::now().fixed_offset());
        let out = f(desk, &actor);
        drop(session);
        self.after_work();
        let out = out?;
        // A change waits in the outbox: the background sync takes it soon, not at the interval.
        if let Some(sync) = self.sync_loop() {
            sync.nudge();
        }
        Ok(out)
    }

    /// The running background sync, if any.
    pub fn sync_loop(&self) -> Option<Arc<SyncLoop>> {
        self.sync.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the background sync (none: stops it). The old loop is stopped first and its
    /// round in progress, if any, finishes before the new loop starts: never two rounds at once.
    pub fn replace_sync_loop(&self, next: Option<SyncLoop>) {
        let old = self.sync.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(old) = old {
            old.request_stop();
            // A button waiting on the old loop lets go once it sees the stop.
            while Arc::strong_count(&old) > 1 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            drop(old); // joins the loop's thread
        }
        *self.sync.lock().unwrap_or_else(|p| p.into_inner()) = next.map(Arc::new);
    }

    /// The backup scheduler's slot (none: not started, or stopped for a restore).
    pub fn backup_schedule(&self) -> MutexGuard<'_, Option<BackupScheduler>> {
        self.backup_schedule.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn kiosk(&self) -> MutexGuard<'_, Option<KioskRun>> {
        self.kiosk.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn lan(&self) -> MutexGuard<'_, Option<LanRun>> {
        self.lan.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start_job(&self, job_id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id.to_owned(), flag.clone());
        flag
    }

    pub fn finish_job(&self, job_id: &str) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).remove(job_id);
        // Jobs (demo load, import, print, backup) are the biggest bursts of all.
        self.after_work();
    }

    /// Returns false when no such job is running (already finished, or never started).
    pub fn cancel_job(&self, job_id: &str) -> bool {
        match self.jobs.lock().unwrap_or_else(|p| p.into_inner()).get(job_id) {
            Some(flag) => {
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
                true
            }
            None => false,
        }
    }
}
