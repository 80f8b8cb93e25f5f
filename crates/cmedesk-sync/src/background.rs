//! Background sync (后台同步) for a desk that stays open: a thread of its own owning one
//! connection to the desk database (the app passes [`Desk::sibling`] of its own desk, so the file
//! is opened once and checkpointed by one owner), running [`sync_desk`] every `interval`, sooner
//! when nudged after a local change ([`SyncLoop::nudge`]) and at once for the "sync now" button
//! ([`SyncLoop::round_now`], which waits for that round's result). Rounds only ever run on this
//! thread, so the button and the loop never run two rounds at once. A failed round waits with
//! exponential backoff and full jitter before the next try; every round resumes from what the
//! desk stored, so stopping or killing the loop anywhere loses nothing. After each round the
//! state is stored with the desk (`sync.last_at`, `sync.last_state`, `sync.last_error`) and
//! handed to `on_round` (the app emits it as an event for the status bar).

use std::{
    sync::{Arc, Condvar, Mutex},
    time::{Duration, Instant},
};

use cmedesk_core::{
    Desk, outbox,
    sync::{conflicts, outbox_ops, resync},
};
use serde::Serialize;
use tokio::sync::Notify;

use crate::{Backoff, Client, ClientError, SyncOptions, SyncReport, sync_desk};

/// Settings of the loop.
#[derive(Debug, Clone)]
pub struct LoopOptions {
    /// Pause between successful rounds.
    pub interval: Duration,
    /// First and largest pause after a failed round (full jitter below the current ceiling).
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// Pause before the first round (zero: at once). A loop started by saving new settings
    /// waits: the officer is on the 同步 page with the button in reach.
    pub first_round_after: Duration,
    pub round: SyncOptions,
}

impl Default for LoopOptions {
    fn default() -> Self {
        LoopOptions {
            interval: Duration::from_secs(60),
            retry_base: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            first_round_after: Duration::ZERO,
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
    /// How long the last round took.
    pub last_round_ms: u64,
    /// When this desk last started again from the server's snapshot (已从服务器重新同步), if ever.
    pub last_resync: Option<String>,
}

/// Called on the loop's thread after every round.
pub type OnRound = Box<dyn Fn(&LoopStatus) + Send>;

struct Shared {
    status: Mutex<LoopStatus>,
    /// The last round's own result, for [`SyncLoop::round_now`] (round number, result).
    last: Mutex<(u64, Option<Result<SyncReport, ClientError>>)>,
    finished: Condvar,
    /// A round is running now.
    in_round: std::sync::atomic::AtomicBool,
    wake: Notify,
    stop: std::sync::atomic::AtomicBool,
}

/// A running background sync; stops when [`SyncLoop::stop`] is called or it is dropped.
pub struct SyncLoop {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SyncLoop {
    /// Starts syncing `desk` with `client`. `now` gives the time as RFC 3339 (the core never
    /// reads the clock).
    pub fn start(
        desk: Desk,
        client: Client,
        opts: LoopOptions,
        now: impl Fn() -> String + Send + 'static,
        on_round: Option<OnRound>,
    ) -> std::io::Result<SyncLoop> {
        let shared = Arc::new(Shared {
            status: Mutex::new(LoopStatus::default()),
            last: Mutex::new((0, None)),
            finished: Condvar::new(),
            in_round: std::sync::atomic::AtomicBool::new(false),
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
            rt.block_on(run(desk, client, opts, now, on_round, inner));
        })?;
        Ok(SyncLoop { shared, thread: Some(thread) })
    }

    pub fn status(&self) -> LoopStatus {
        self.shared.status.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Runs a round now instead of at the next interval, without waiting for it.
    pub fn sync_now(&self) {
        self.shared.wake.notify_one();
    }

    /// A local change was made: sync it soon, unless the loop is backing off from a failure
    /// (then the change waits for the next retry like everything else).
    pub fn nudge(&self) {
        if self.status().failures_in_a_row == 0 {
            self.shared.wake.notify_one();
        }
    }

    /// The "sync now" button: runs a round on the loop's thread (after the one in progress, if
    /// any) and returns its result, or `None` if none finished within `timeout`.
    pub fn round_now(&self, timeout: Duration) -> Option<Result<SyncReport, ClientError>> {
        let mut guard = self.shared.last.lock().ok()?;
        // A round in progress may have read the outbox before the caller's change: then the
        // result wanted is the next round's, which starts once this one is done.
        let busy = self.shared.in_round.load(std::sync::atomic::Ordering::SeqCst);
        let target = guard.0 + if busy { 2 } else { 1 };
        self.shared.wake.notify_one();
        let deadline = Instant::now() + timeout;
        while guard.0 < target {
            if self.shared.stop.load(std::sync::atomic::Ordering::SeqCst) {
                return None;
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            guard = self.shared.finished.wait_timeout(guard, left).ok()?.0;
        }
        guard.1.clone()
    }

    /// Asks the loop to stop after the round in progress, without waiting; a waiting
    /// [`SyncLoop::round_now`] returns `None`. Dropping the loop then joins its thread.
    pub fn request_stop(&self) {
        self.shared.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.wake.notify_one();
        let _guard = self.shared.last.lock();
        self.shared.finished.notify_all();
    }

    /// Stops after the round in progress (if any) and waits for the thread.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.shared.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.wake.notify_one();
        self.shared.finished.notify_all();
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

async fn run(
    desk: Desk,
    client: Client,
    opts: LoopOptions,
    now: impl Fn() -> String,
    on_round: Option<OnRound>,
    shared: Arc<Shared>,
) {
    let seed =
        now().bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let mut backoff = Backoff::new(opts.retry_base, opts.retry_max, seed);
    if !opts.first_round_after.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(opts.first_round_after) => {}
            _ = shared.wake.notified() => {}
        }
    }
    while !shared.stop.load(std::sync::atomic::Ordering::SeqCst) {
        shared.in_round.store(true, std::sync::atomic::Ordering::SeqCst);
        let at = now();
        let started = Instant::now();
        let result = sync_desk(&client, &desk, &opts.round, &at).await;
        let elapsed = started.elapsed().as_millis() as u64;
        // The status bar's counts, and the state stored with the desk for the next start.
        let pending = outbox::pending_count(&desk).unwrap_or(-1);
        let open_conflicts = conflicts::open_count(&desk).unwrap_or(-1);
        let last_resync = resync::last_resync(&desk).ok().flatten().map(|r| r.at);
        let (state, error) = match &result {
            Ok(_) => ("online", String::new()),
            Err(ClientError::Transport(e)) => ("offline", e.clone()),
            Err(e) => ("error", e.to_string()),
        };
        for (key, value) in
            [("sync.last_at", at.as_str()), ("sync.last_state", state), ("sync.last_error", &error)]
        {
            let _ = outbox_ops::remember_setting(&desk, key, value);
        }
        let (pause, status) = {
            let Ok(mut st) = shared.status.lock() else { return };
            st.rounds += 1;
            st.last_round_ms = elapsed;
            st.pending = pending;
            st.open_conflicts = open_conflicts;
            st.last_resync = last_resync;
            let pause = match &result {
                Ok(_) => {
                    backoff.reset();
                    st.online = true;
                    st.last_sync = Some(at.clone());
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
            };
            (pause, st.clone())
        };
        if let Ok(mut last) = shared.last.lock() {
            *last = (status.rounds, Some(result));
            shared.in_round.store(false, std::sync::atomic::Ordering::SeqCst);
        }
        shared.finished.notify_all();
        if let Some(f) = &on_round {
            f(&status);
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = shared.wake.notified() => {}
        }
    }
}
