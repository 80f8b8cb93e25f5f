//! 定时备份 in the running app: one thread owning a sibling connection of the session's desk
//! (`Desk::sibling`: no second open, no second checkpointer), which asks the core every tick
//! whether a scheduled backup is due (`backup::schedule`) and takes it off the UI's lock —
//! rotation and verification included. The first look after sign-in counts as the start (the
//! catch-up rule); a changed schedule wakes the thread at once. Each run is reported to the UI
//! as a `backup-schedule` event (running, then the result) and its progress as `backup-progress`
//! with the job id `schedule`.

use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use cmedesk_core::backup::{Progress, schedule};
use cmedesk_core::{Actor, Desk};
use serde::Serialize;

/// What the 备份 page hears from the scheduler.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleEvent {
    /// A scheduled backup is being taken now.
    pub running: bool,
    /// The result, once it is done.
    pub run: Option<schedule::LastRun>,
}

/// The job id of the scheduled backup's `backup-progress` events.
pub const JOB_ID: &str = "schedule";

pub type Report = Box<dyn Fn(Event) + Send>;

/// A report from the scheduler thread.
pub enum Event {
    Schedule(ScheduleEvent),
    Progress(Progress),
}

#[derive(Default)]
struct Signal {
    stop: bool,
    wake: bool,
}

pub struct BackupScheduler {
    signal: Arc<(Mutex<Signal>, Condvar)>,
    running: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Seconds between looks: `CMEDESK_BACKUP_TICK_SECS` (tests), else 30.
pub fn tick() -> Duration {
    let secs = std::env::var("CMEDESK_BACKUP_TICK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    Duration::from_secs(secs.max(1))
}

impl BackupScheduler {
    /// Starts the thread on `desk` (a sibling connection it then owns).
    pub fn start(desk: Desk, tick: Duration, report: Report) -> std::io::Result<BackupScheduler> {
        let signal = Arc::new((Mutex::new(Signal::default()), Condvar::new()));
        let running = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (signal, running) = (signal.clone(), running.clone());
            std::thread::Builder::new()
                .name("backup-schedule".into())
                .spawn(move || run(desk, tick, &signal, &running, report))?
        };
        Ok(BackupScheduler { signal, running, thread: Some(thread) })
    }

    /// Looks again now (the schedule was changed).
    pub fn wake(&self) {
        let (lock, cv) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).wake = true;
        cv.notify_all();
    }

    /// Whether a scheduled backup is being taken at this moment.
    pub fn is_running(&self) -> bool {
        self.running.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for BackupScheduler {
    /// Stops the thread; a backup in progress finishes first (a half copy is never kept anyway).
    fn drop(&mut self) {
        let (lock, cv) = &*self.signal;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(
    desk: Desk,
    tick: Duration,
    signal: &(Mutex<Signal>, Condvar),
    running: &std::sync::atomic::AtomicBool,
    report: Report,
) {
    let mut at_start = true;
    loop {
        let now = chrono::Local::now().fixed_offset();
        // A status that cannot be read (the desk being restored) is looked at again next tick.
        if let Ok(status) = schedule::status(&desk, now, at_start)
            && status.due.now
        {
            running.store(true, std::sync::atomic::Ordering::SeqCst);
            report(Event::Schedule(ScheduleEvent { running: true, run: None }));
            let actor = Actor::new(schedule::scheduler(), now);
            let progress = |p: Progress| report(Event::Progress(p));
            let started = std::time::Instant::now();
            let run =
                schedule::run_now(&desk, &actor, Path::new(&status.folder), &progress, &|| started.elapsed())
                    .ok();
            running.store(false, std::sync::atomic::Ordering::SeqCst);
            report(Event::Schedule(ScheduleEvent { running: false, run }));
        }
        at_start = false;
        let (lock, cv) = signal;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (mut guard, _) =
            cv.wait_timeout_while(guard, tick, |s| !s.stop && !s.wake).unwrap_or_else(|p| p.into_inner());
        if guard.stop {
            return;
        }
        guard.wake = false;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    /// On a real desk file: the first look (the start) takes the catch-up backup, reports it
    /// running then done, the copy verifies; woken again nothing is due; dropping the scheduler
    /// stops it without waiting for the tick.
    #[test]
    fn the_first_look_takes_the_catch_up_backup_and_the_scheduler_stops_at_once() {
        let dir = std::env::temp_dir().join(format!("cmedesk-scheduler-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let desk = Desk::create(&dir.join("desk.db")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let report: Report = Box::new(move |e| {
            if let Event::Schedule(s) = e {
                let _ = tx.send(s);
            }
        });
        let scheduler =
            BackupScheduler::start(desk.sibling().unwrap(), Duration::from_secs(3600), report).unwrap();
        let wait = Duration::from_secs(60);
        assert!(rx.recv_timeout(wait).unwrap().running);
        let done = rx.recv_timeout(wait).unwrap();
        assert!(!done.running && !scheduler.is_running());
        let run = done.run.expect("a result");
        assert!(run.ok, "{run:?}");
        let file = std::path::PathBuf::from(run.file.unwrap());
        assert_eq!(file.parent().unwrap(), dir.join("backups"));
        assert!(cmedesk_core::backup::verify(&file).unwrap().ok);
        assert_eq!(schedule::last_run(&desk).unwrap().map(|r| r.ok), Some(true));

        scheduler.wake();
        assert!(rx.recv_timeout(Duration::from_secs(2)).is_err(), "nothing due right after");
        let t = Instant::now();
        drop(scheduler);
        assert!(t.elapsed() < Duration::from_secs(2), "stopped without waiting for the hour's tick");
        drop(desk);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
