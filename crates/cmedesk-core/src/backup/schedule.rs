//! 定时备份: the desk's backup schedule (on/off, folder, time of day, catch-up at start), kept in
//! `desk_meta` under `backup.schedule` and changed through `Desk::change` (audited), and the
//! decision when the next backup is due — a pure function of the policy, the last backup's time,
//! the last failure and the clock ([`next_due`]) — plus [`run_if_due`], which the desktop's
//! background thread and `cmedesk backup due` (a cron job or Windows task) both call: a
//! scheduled backup into the folder, verified before it is kept, then the folder's rotation. The
//! last run's result (`backup.last_run`) is bookkeeping like the sync state: not an audited change.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::{Progress, Trigger, create_with, folder};
use crate::{
    actor::{Actor, Operator, Permission, Role},
    error::{CoreError, Result},
    store::Desk,
    sync::outbox_ops::{meta_get, meta_set},
};

const SCHEDULE_KEY: &str = "backup.schedule";
const LAST_RUN_KEY: &str = "backup.last_run";
/// A slot is made up for this long after its time (the app was busy, asleep, or started late);
/// later only the catch-up at start takes a missed backup.
pub const GRACE: Duration = Duration::hours(2);
/// After a failed scheduled backup the next attempt waits this long (a full disk is not retried
/// every tick).
pub const RETRY_AFTER: Duration = Duration::minutes(15);
/// "The last one is older than a day".
const CATCH_UP_AGE: Duration = Duration::hours(24);

/// The backup schedule of a desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "BackupSchedule")]
pub struct Schedule {
    pub enabled: bool,
    /// The backup folder; `None`: `backups/` beside the database.
    pub folder: Option<String>,
    /// Time of day, `HH:MM` (local time of the machine).
    pub at: String,
    /// At start, back up at once when the last backup is older than a day (or there is none).
    pub catch_up_at_start: bool,
}

impl Default for Schedule {
    /// A new desk backs up daily at 12:30 (lunch break: the office's quietest half hour) into
    /// `backups/` beside the database, and catches up at start.
    fn default() -> Schedule {
        Schedule { enabled: true, folder: None, at: "12:30".into(), catch_up_at_start: true }
    }
}

impl Schedule {
    /// The time of day; `BACKUP_SCHEDULE_TIME` when it is not `HH:MM`.
    pub fn time(&self) -> Result<NaiveTime> {
        parse_time(&self.at)
    }

    /// The folder backups go into for the desk at `db`.
    pub fn folder_for(&self, db: &Path) -> PathBuf {
        match self.folder.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => PathBuf::from(f),
            None => default_folder(db),
        }
    }
}

/// `backups/` beside the database (the CLI's and the app's default).
pub fn default_folder(db: &Path) -> PathBuf {
    db.parent().unwrap_or(Path::new(".")).join("backups")
}

/// `HH:MM`, 00:00–23:59.
pub fn parse_time(text: &str) -> Result<NaiveTime> {
    let bad = || CoreError::Conflict {
        code: "BACKUP_SCHEDULE_TIME",
        zh: format!("备份时间“{text}”无效，应为 HH:MM（如 12:30）"),
        en: format!("backup time {text:?} is not HH:MM"),
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    NaiveTime::from_hms_opt(h, m, 0).ok_or_else(bad)
}

/// Why a backup is (not) due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BackupDueReason")]
pub enum DueReason {
    /// The schedule is off.
    Disabled,
    /// Today's (or last night's) time has come and no backup was taken since.
    Slot,
    /// At start, the last backup is older than a day or there is none.
    CatchUp,
    /// Due, but the last attempt failed moments ago: retried at `next_at`.
    RetryWait,
    /// Nothing due before `next_at`.
    Waiting,
}

/// When the next scheduled backup is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export, rename = "BackupDue")]
pub struct Due {
    pub now: bool,
    pub reason: DueReason,
    /// The next time one will be taken (`None` when off; the present moment when due now).
    pub next_at: Option<String>,
}

fn stamp(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Decides whether a scheduled backup is due at `now`. `last_backup`: the newest backup in the
/// folder (any kind: a manual one at 12:40 counts for the 12:30 slot); `last_failure`: the last
/// failed scheduled attempt; `at_start`: the app has just started (or a one-shot
/// `cmedesk backup due`), when the catch-up rule applies.
pub fn next_due(
    schedule: &Schedule,
    time: NaiveTime,
    last_backup: Option<DateTime<FixedOffset>>,
    last_failure: Option<DateTime<FixedOffset>>,
    now: DateTime<FixedOffset>,
    at_start: bool,
) -> Due {
    if !schedule.enabled {
        return Due { now: false, reason: DueReason::Disabled, next_at: None };
    }
    let tz = now.offset();
    let slot_on = |d: chrono::NaiveDate| tz.from_local_datetime(&d.and_time(time)).single().unwrap_or(now);
    let today_slot = slot_on(now.date_naive());
    let latest_slot = if now >= today_slot { today_slot } else { today_slot - Duration::days(1) };
    let next_slot = latest_slot + Duration::days(1);
    let taken_since = |t: DateTime<FixedOffset>| last_backup.is_some_and(|b| b >= t);

    let slot_due = now < latest_slot + GRACE && !taken_since(latest_slot);
    let catch_up = at_start
        && schedule.catch_up_at_start
        && last_backup.is_none_or(|b| now.signed_duration_since(b) > CATCH_UP_AGE);
    let reason = if slot_due {
        DueReason::Slot
    } else if catch_up {
        DueReason::CatchUp
    } else {
        return Due { now: false, reason: DueReason::Waiting, next_at: Some(stamp(next_slot)) };
    };
    // A failure after the last backup holds the retry off for a while.
    if let Some(f) = last_failure
        && !taken_since(f)
        && now < f + RETRY_AFTER
    {
        let retry = f + RETRY_AFTER;
        // A slot whose grace ends before the retry waits for the next slot.
        let next = if reason == DueReason::Slot && retry >= latest_slot + GRACE { next_slot } else { retry };
        return Due { now: false, reason: DueReason::RetryWait, next_at: Some(stamp(next)) };
    }
    Due { now: true, reason, next_at: Some(stamp(now)) }
}

/// The result of the last scheduled backup attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "BackupLastRun")]
pub struct LastRun {
    pub at: String,
    pub ok: bool,
    pub file: Option<String>,
    /// Why it failed: the error's code and Chinese message.
    pub error: Option<String>,
    #[ts(type = "number")]
    pub rotated_out: u32,
    #[ts(type = "number")]
    pub elapsed_ms: u64,
}

/// What the 备份 page and `cmedesk backup schedule` show.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export, rename = "BackupScheduleStatus")]
pub struct Status {
    pub schedule: Schedule,
    /// The folder as used (the default resolved).
    pub folder: String,
    pub due: Due,
    pub last_backup_at: Option<String>,
    pub last_run: Option<LastRun>,
}

/// The desk's schedule (the default before anyone set one).
pub fn load(desk: &Desk) -> Result<Schedule> {
    match meta_get(desk.conn(), SCHEDULE_KEY)? {
        None => Ok(Schedule::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| CoreError::Corrupt(format!("desk_meta {SCHEDULE_KEY}: {e}"))),
    }
}

/// Stores a new schedule (admin: `ManageBackups`), audited as `backup.schedule` with before and
/// after. The time is checked first; an empty folder means the default.
pub fn save(desk: &mut Desk, actor: &Actor, mut schedule: Schedule) -> Result<Schedule> {
    actor.require(Permission::ManageBackups)?;
    let time = schedule.time()?;
    schedule.at = time.format("%H:%M").to_string();
    schedule.folder = schedule.folder.map(|f| f.trim().to_string()).filter(|f| !f.is_empty());
    if let Some(f) = &schedule.folder
        && !Path::new(f).is_absolute()
    {
        return Err(CoreError::Conflict {
            code: "BACKUP_SCHEDULE_FOLDER",
            zh: format!("备份文件夹“{f}”须为完整路径（如 D:\\继教备份 或 /home/cme/backups）"),
            en: format!("backup folder {f:?} must be an absolute path"),
        });
    }
    let before = load(desk)?;
    let text = serde_json::to_string(&schedule).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    desk.change(actor, |c| {
        meta_set(c.tx(), SCHEDULE_KEY, &text)?;
        c.record("backup.schedule", "desk_setting", SCHEDULE_KEY, Some(&before), Some(&schedule))
    })?;
    Ok(schedule)
}

/// The last scheduled attempt, if any.
pub fn last_run(desk: &Desk) -> Result<Option<LastRun>> {
    meta_get(desk.conn(), LAST_RUN_KEY)?
        .map(|t| {
            serde_json::from_str(&t).map_err(|e| CoreError::Corrupt(format!("desk_meta {LAST_RUN_KEY}: {e}")))
        })
        .transpose()
}

/// Stores the last run. The app's own connection may be writing without pause (a large import):
/// a few tries past its busy timeout before giving up.
fn store_last_run(desk: &Desk, run: &LastRun) -> Result<()> {
    let text = serde_json::to_string(run).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    let mut tries = 0;
    loop {
        match meta_set(desk.conn(), LAST_RUN_KEY, &text) {
            Err(CoreError::Database(rusqlite::Error::SqliteFailure(e, _)))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && tries < 5 =>
            {
                tries += 1;
            }
            other => return other,
        }
    }
}

fn db_path(desk: &Desk) -> Result<PathBuf> {
    desk.path()
        .map(Path::to_path_buf)
        .ok_or_else(|| CoreError::Corrupt("an in-memory desk has no backup folder".into()))
}

/// The newest backup of this desk (its site id) in `dir`, manual or scheduled: another desk's
/// backups in a shared folder settle nothing. An unreadable folder has none: the attempt that
/// follows then fails with the reason, stored as the last run for the page.
fn newest_backup(
    desk: &Desk,
    dir: &Path,
    now: DateTime<FixedOffset>,
) -> Result<Option<DateTime<FixedOffset>>> {
    let Ok(list) = folder::list(dir, desk.unlock(), now.date_naive()) else {
        return Ok(None);
    };
    Ok(list
        .iter()
        .filter_map(|e| e.manifest.as_ref())
        .filter(|m| m.source_site_id == desk.site_id())
        .filter_map(|m| DateTime::parse_from_rfc3339(&m.taken_at).ok())
        .max())
}

fn parse_at(t: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(t).ok()
}

/// The schedule, its folder, whether a backup is due at `now`, and the last result.
pub fn status(desk: &Desk, now: DateTime<FixedOffset>, at_start: bool) -> Result<Status> {
    let schedule = load(desk)?;
    let dir = schedule.folder_for(&db_path(desk)?);
    let last_backup = newest_backup(desk, &dir, now)?;
    let last_run = last_run(desk)?;
    let last_failure = last_run.as_ref().filter(|r| !r.ok).and_then(|r| parse_at(&r.at));
    let due = next_due(&schedule, schedule.time()?, last_backup, last_failure, now, at_start);
    Ok(Status {
        schedule,
        folder: dir.display().to_string(),
        due,
        last_backup_at: last_backup.map(stamp),
        last_run,
    })
}

/// The operator a scheduled backup is taken as: the desk acting on the policy an admin set.
pub fn scheduler() -> Operator {
    Operator {
        username: "schedule".into(),
        display_name: "定时备份".into(),
        role: Role::Admin,
        department_id: None,
    }
}

/// Takes a scheduled backup when one is due at `actor.now` (see [`next_due`]): into the
/// schedule's folder (created if missing), verified before it is kept, then the folder rotated.
/// The outcome, success or failure, is stored as the last run and returned; `None`: nothing
/// was due. Meant for a sibling connection (`Desk::sibling`) on a thread of its own.
pub fn run_if_due(
    desk: &Desk,
    actor: &Actor,
    at_start: bool,
    progress: &dyn Fn(Progress),
    stopwatch: Stopwatch<'_>,
) -> Result<Option<LastRun>> {
    actor.require(Permission::ManageBackups)?;
    let status = status(desk, actor.now, at_start)?;
    if !status.due.now {
        return Ok(None);
    }
    Ok(Some(run_now(desk, actor, Path::new(&status.folder), progress, stopwatch)?))
}

/// Time since the caller started its stopwatch, read when a run ends: the run's duration is
/// kept with its outcome. A function from the shell, since the core reads no clock.
pub type Stopwatch<'a> = &'a dyn Fn() -> std::time::Duration;

/// One scheduled backup into `dir` now, its outcome stored as the last run.
pub fn run_now(
    desk: &Desk,
    actor: &Actor,
    dir: &Path,
    progress: &dyn Fn(Progress),
    stopwatch: Stopwatch<'_>,
) -> Result<LastRun> {
    // `-auto`: never the name of an on-demand backup taken in the same second.
    let target = dir.join(format!("desk-{}-auto.db", actor.now.format("%Y%m%d-%H%M%S")));
    let attempt = || -> Result<u32> {
        std::fs::create_dir_all(dir).map_err(|e| CoreError::Conflict {
            code: "BACKUP_DIR",
            zh: format!("无法创建备份文件夹 {}：{e}", dir.display()),
            en: format!("cannot create the backup folder {}: {e}", dir.display()),
        })?;
        create_with(desk, actor, &target, Trigger::Scheduled, progress)?;
        Ok(folder::rotate(dir, desk.unlock(), &target, actor.today())?.len() as u32)
    };
    let run = match attempt() {
        Ok(rotated_out) => LastRun {
            at: actor.timestamp(),
            ok: true,
            file: Some(target.display().to_string()),
            error: None,
            rotated_out,
            elapsed_ms: stopwatch().as_millis() as u64,
        },
        Err(e) => LastRun {
            at: actor.timestamp(),
            ok: false,
            file: None,
            error: Some(format!("{}: {}", e.code(), e.message_zh())),
            rotated_out: 0,
            elapsed_ms: stopwatch().as_millis() as u64,
        },
    };
    store_last_run(desk, &run)?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(&format!("{s}+08:00")).unwrap()
    }

    fn due(last: Option<&str>, fail: Option<&str>, now: &str, at_start: bool) -> Due {
        let s = Schedule::default();
        next_due(&s, s.time().unwrap(), last.map(t), fail.map(t), t(now), at_start)
    }

    #[test]
    fn the_default_is_on_daily_at_half_past_twelve_beside_the_database() {
        let s = Schedule::default();
        assert!(s.enabled && s.catch_up_at_start);
        assert_eq!(s.time().unwrap(), NaiveTime::from_hms_opt(12, 30, 0).unwrap());
        assert_eq!(s.folder_for(Path::new("/data/desk.db")), PathBuf::from("/data/backups"));
        let custom = Schedule { folder: Some("/mnt/nas/cme".into()), ..s };
        assert_eq!(custom.folder_for(Path::new("/data/desk.db")), PathBuf::from("/mnt/nas/cme"));
    }

    #[test]
    fn times_are_hh_mm() {
        assert_eq!(parse_time("7:05").unwrap(), NaiveTime::from_hms_opt(7, 5, 0).unwrap());
        assert_eq!(parse_time("23:59").unwrap(), NaiveTime::from_hms_opt(23, 59, 0).unwrap());
        for bad in ["24:00", "12:60", "1230", "12:3", "", "ab:cd", "-1:30"] {
            assert_eq!(parse_time(bad).unwrap_err().code(), "BACKUP_SCHEDULE_TIME", "{bad}");
        }
    }

    #[test]
    fn before_the_time_the_next_one_is_today_at_the_time() {
        let d = due(Some("2026-11-21T12:30:05"), None, "2026-11-22T09:00:00", false);
        assert_eq!(
            d,
            Due { now: false, reason: DueReason::Waiting, next_at: Some("2026-11-22T12:30:00+08:00".into()) }
        );
    }

    #[test]
    fn at_the_time_without_a_backup_since_it_is_due() {
        let d = due(Some("2026-11-21T12:30:05"), None, "2026-11-22T12:30:00", false);
        assert!(d.now);
        assert_eq!(d.reason, DueReason::Slot);
        // Within the grace the slot is made up (the app was busy at 12:30).
        assert!(due(Some("2026-11-21T12:30:05"), None, "2026-11-22T14:29:00", false).now);
    }

    #[test]
    fn a_backup_after_the_time_settles_the_day_manual_ones_too() {
        let d = due(Some("2026-11-22T12:45:00"), None, "2026-11-22T13:00:00", false);
        assert_eq!(d.reason, DueReason::Waiting);
        assert_eq!(d.next_at.as_deref(), Some("2026-11-23T12:30:00+08:00"));
        // A backup at 12:29 does not count for the 12:30 slot.
        assert!(due(Some("2026-11-22T12:29:00"), None, "2026-11-22T12:31:00", false).now);
    }

    #[test]
    fn a_slot_missed_by_more_than_the_grace_waits_unless_catching_up_at_start() {
        // Started at 15:00, the last backup yesterday at 12:30 (26.5 h ago).
        let running = due(Some("2026-11-21T12:30:00"), None, "2026-11-22T15:00:00", false);
        assert_eq!(running.reason, DueReason::Waiting);
        assert_eq!(running.next_at.as_deref(), Some("2026-11-23T12:30:00+08:00"));
        let start = due(Some("2026-11-21T12:30:00"), None, "2026-11-22T15:00:00", true);
        assert_eq!((start.now, start.reason), (true, DueReason::CatchUp));
        // Started at 08:00 after yesterday's 12:30 backup (19.5 h): nothing to catch up.
        let early = due(Some("2026-11-21T12:30:00"), None, "2026-11-22T08:00:00", true);
        assert_eq!(early.reason, DueReason::Waiting);
        assert_eq!(early.next_at.as_deref(), Some("2026-11-22T12:30:00+08:00"));
        // A desk with no backup at all catches up at start.
        assert_eq!(due(None, None, "2026-11-22T08:00:00", true).reason, DueReason::CatchUp);
        // Catch-up switched off: the start waits for the time.
        let s = Schedule { catch_up_at_start: false, ..Schedule::default() };
        let d = next_due(&s, s.time().unwrap(), None, None, t("2026-11-22T08:00:00"), true);
        assert_eq!(d.reason, DueReason::Waiting);
    }

    #[test]
    fn after_midnight_the_last_slot_is_yesterdays() {
        let s = Schedule { at: "23:30".into(), ..Schedule::default() };
        let time = s.time().unwrap();
        // 00:10: yesterday's 23:30 slot is within its grace and has no backup.
        let d = next_due(&s, time, Some(t("2026-11-20T23:31:00")), None, t("2026-11-22T00:10:00"), false);
        assert_eq!((d.now, d.reason), (true, DueReason::Slot));
        let d = next_due(&s, time, Some(t("2026-11-21T23:31:00")), None, t("2026-11-22T00:10:00"), false);
        assert_eq!(d.next_at.as_deref(), Some("2026-11-22T23:30:00+08:00"));
    }

    #[test]
    fn a_failure_is_retried_after_a_pause_not_every_tick() {
        let last = Some("2026-11-21T12:30:00");
        let d = due(last, Some("2026-11-22T12:30:00"), "2026-11-22T12:31:00", false);
        assert_eq!(
            d,
            Due {
                now: false,
                reason: DueReason::RetryWait,
                next_at: Some("2026-11-22T12:45:00+08:00".into())
            }
        );
        assert!(due(last, Some("2026-11-22T12:30:00"), "2026-11-22T12:45:00", false).now);
        // A retry that would fall after the slot's grace waits for tomorrow's slot.
        let d = due(last, Some("2026-11-22T14:25:00"), "2026-11-22T14:26:00", false);
        assert_eq!(d.next_at.as_deref(), Some("2026-11-23T12:30:00+08:00"));
        // A failure older than the last backup does not hold anything off.
        assert!(
            due(Some("2026-11-21T12:30:00"), Some("2026-11-21T12:00:00"), "2026-11-22T12:30:00", false).now
        );
    }

    #[test]
    fn off_means_never_due() {
        let s = Schedule { enabled: false, ..Schedule::default() };
        let d = next_due(&s, s.time().unwrap(), None, None, t("2026-11-22T12:30:00"), true);
        assert_eq!(d, Due { now: false, reason: DueReason::Disabled, next_at: None });
    }
}
