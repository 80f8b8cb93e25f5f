//! Background sync (后台同步) for a desk that stays open: a thread of its own with its own
//! connection to the desk database (WAL lets it work beside the app's), running [`sync_desk`]
//! every `interval`, and sooner when asked ([`SyncLoop::sync_now`]). A failed round waits with
//! exponential backoff and full jitter before the next try; every round resumes from what the
//! desk stored, so stopping or killing the loop anywhere loses nothing. [`SyncLoop::status`] is
//! what a status bar shows: online, last sync, pending changes, open conflicts, last error.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
    time::Duration,
};

use cmedesk_core::{Desk, outbox, sync::conflicts};
use serde::Serialize;
use tokio::sync::Notify;

use crate::{Backoff, Client, ClientError, SyncOptions, sync_desk};

/// Settings of the loop.
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Pause between successful rounds.
    pub interval: Duration,
    /// First and largest pause after a failed round (full jitter below the current ceiling).
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub round: SyncOptions,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            interval: Duration::from_secs(60),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            round: SyncOptions::default(),
        }
    }
}

/// What the status bar shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LoopStatus {
    /// The last round reached the server.
    pub online: bool,
    /// When the last successful round ended (the caller's clock).
    pub last_sync: Option<String>,
    pub pending: i64,
    pub open_conflicts: i64,
    pub rounds: u64,
    pub failures_in_a_row: u32,
    pub last_error: Option<String>,
    /// The stable code of the last error (e.g. `SYNC_NETWORK`).
    pub last_error_code: Option<String>,
}

struct Shared {
    status: Mutex<LoopStatus>,
    wake: Notify,
    stop: std::sync::atomic::AtomicBool,
}

/// A running background sync; stops when [`SyncLoop::stop`] is called or it is dropped.
pub struct SyncLoop {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SyncLoop {
    /// Starts syncing the desk database at `db` with `client`. `now` gives the time as RFC 3339
    /// (the core never reads the clock).
    pub fn start(
        db: PathBuf,
        client: Client,
        opts: LoopOptions,
        now: impl Fn() -> String + Send + 'static,
    ) -> std::io::Result<SyncLoop> {
        let shared = Arc::new(Shared {
            status: Mutex::new(LoopStatus::default()),
            wake: Notify::new(),
            stop: std::sync::atomic::AtomicBool::new(false),
        });
        let inner = shared.clone();
        let thread = std::thread::Builder::new().name("cmedesk-sync".into()).spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => {
                    inner.status.lock().map(|mut s| s.last_error = Some(e.to_string())).ok();
                    return;
                }
            };
            rt.block_on(run(db, client, opts, now, inner));
        })?;
        Ok(SyncLoop { shared, thread: Some(thread) })
    }

    pub fn status(&self) -> LoopStatus {
        self.shared.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Runs a round now instead of at the next interval (the "sync now" button).
    pub fn sync_now(&self) {
        self.shared.wake.notify_one();
    }

    /// Stops after the round in progress (if any) and waits for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for SyncLoop {
    fn drop(&mut self) {
        self.halt();
    }
}

async fn run(db: PathBuf, client: Client, opts: LoopOptions, now: impl Fn() -> String, shared: Arc<Shared>) {
    let seed =
        now().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut backoff = Backoff::new(opts.retry_base, opts.retry_max, seed);
    while !shared.stop.load(std::sync::atomic::Ordering::SeqCst) {
        let result = round(&db, &client, &opts.round, &now).await;
        let pause = {
            let Ok(mut st) = shared.status.lock() else { return };
            st.rounds += 1;
            match result {
                Ok((pending, conflicts)) => {
                    backoff.reset();
                    st.online = true;
                    st.last_sync = Some(now());
                    st.pending = pending;
                    st.open_conflicts = conflicts;
                    st.failures_in_a_row = 0;
                    st.last_error = None;
                    st.last_error_code = None;
                    opts.interval
                }
                Err(e) => {
                    st.online = !matches!(e, ClientError::Transport(_));
                    st.failures_in_a_row += 1;
                    st.last_error_code = Some(e.code().to_string());
                    st.last_error = Some(e.to_string());
                    backoff.next_delay()
                }
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shared.wake.notified() => {}
        }
    }
}

/// One round on a fresh connection: what the status bar needs afterwards.
async fn round(
    db: &std::path::Path,
    client: &Client,
    opts: &SyncOptions,
    now: &impl Fn() -> String,
) -> Result<(i64, i64), ClientError> {
    let desk_err = |e: cmedesk_core::CoreError| ClientError::Desk(e.to_string());
    let desk = Desk::open(db).map_err(desk_err)?;
    sync_desk(client, &desk, opts, &now()).await?;
    Ok((outbox::pending_count(&desk).map_err(desk_err)?, conflicts::open_count(&desk).map_err(desk_err)?))
}
