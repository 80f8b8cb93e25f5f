//! Shared state of the running app: where the database lives, the open desk, the signed-in
//! operator and the cancel flags of running jobs. One mutex: the desk is a single SQLite
//! connection and every command is short, so commands simply take turns.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use cmedesk_core::{Actor, Desk, Operator};

use crate::commands::kiosk::KioskRun;
use crate::error::{ApiError, ApiResult};

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
}

impl AppState {
    pub fn new(db_path: PathBuf) -> AppState {
        AppState {
            db_path,
            session: Mutex::new(Session::default()),
            jobs: Mutex::new(HashMap::new()),
            kiosk: Mutex::new(None),
        }
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
        f(desk, &operator)
    }

    /// Runs a mutation as the signed-in operator, now (the shell reads the clock, never the core).
    pub fn write<T>(&self, f: impl FnOnce(&mut Desk, &Actor) -> ApiResult<T>) -> ApiResult<T> {
        let mut session = self.session();
        let operator = session.operator.clone().ok_or_else(ApiError::not_logged_in)?;
        let desk = self.ensure_open(&mut session)?;
        let actor = Actor::new(operator, chrono::Local::now().fixed_offset());
        f(desk, &actor)
    }

    pub fn kiosk(&self) -> MutexGuard<'_, Option<KioskRun>> {
        self.kiosk.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn start_job(&self, job_id: &str) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).insert(job_id.to_owned(), flag.clone());
        flag
    }

    pub fn finish_job(&self, job_id: &str) {
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).remove(job_id);
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
