//! 定时备份 (issue 9 leftovers): the schedule is stored with the desk through `Desk::change`
//! (audited, admin only); a scheduled backup taken on a sibling connection while the owner (the
//! app's connection) keeps writing passes `integrity_check` and equals its manifest, lands in the
//! schedule's folder as a scheduled backup and settles the day; a failure is stored as the last
//! run with its reason and held off for the retry pause.

mod common;

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, Ordering},
};

use chrono::{DateTime, Duration, FixedOffset};
use cmedesk_core::backup::schedule::{self, DueReason, Schedule};
use cmedesk_core::backup::{self, folder::Kind};
use cmedesk_core::{Actor, Desk, Role, audit_log, departments, synthetic};
use common::*;

fn demo_desk(path: &std::path::Path) -> Desk {
    let mut desk = Desk::create(path).unwrap();
    synthetic::load(&mut desk, &admin(), &synthetic::generate(3, 500, now().date_naive())).unwrap();
    desk
}

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{s}+08:00")).unwrap()
}

fn scheduler_at(t: DateTime<FixedOffset>) -> Actor {
    Actor::new(schedule::scheduler(), t)
}

#[test]
fn the_schedule_is_stored_with_the_desk_audited_and_admin_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = demo_desk(&dir.path().join("desk.db"));
    assert_eq!(schedule::load(&desk).unwrap(), Schedule::default(), "on by default for a new desk");

    let before = dump(&desk);
    let officer = actor(Role::Officer);
    let err =
        schedule::save(&mut desk, &officer, Schedule { enabled: false, ..Schedule::default() }).unwrap_err();
    assert_eq!(err.code(), "FORBIDDEN");
    let err = schedule::save(&mut desk, &admin(), Schedule { at: "25:00".into(), ..Schedule::default() })
        .unwrap_err();
    assert_eq!(err.code(), "BACKUP_SCHEDULE_TIME");
    let err = schedule::save(
        &mut desk,
        &admin(),
        Schedule { folder: Some("rel/dir".into()), ..Schedule::default() },
    )
    .unwrap_err();
    assert_eq!(err.code(), "BACKUP_SCHEDULE_FOLDER");
    assert_eq!(dump(&desk), before, "refused changes write nothing");

    let nas = dir.path().join("nas");
    let wanted = Schedule {
        enabled: true,
        folder: Some(nas.display().to_string()),
        at: "7:05".into(),
        catch_up_at_start: false,
    };
    let saved = schedule::save(&mut desk, &admin(), wanted).unwrap();
    assert_eq!(saved.at, "07:05", "stored as HH:MM");
    assert_eq!(schedule::load(&desk).unwrap(), saved);
    let entry = &audit_log::list(&desk, &Default::default()).unwrap()[0];
    assert_eq!(entry.action, "backup.schedule");
    assert!(entry.after.as_deref().unwrap().contains("07:05"), "{entry:?}");
    assert!(entry.before.as_deref().unwrap().contains("12:30"), "{entry:?}");
    assert!(audit_log::verify(&desk).unwrap().intact);
    let status = schedule::status(&desk, at("2026-11-22T06:00:00"), false).unwrap();
    assert_eq!(status.folder, nas.display().to_string());
    assert_eq!(status.due.next_at.as_deref(), Some("2026-11-22T07:05:00+08:00"));
}

#[test]
fn a_scheduled_backup_on_a_sibling_while_the_owner_writes_verifies_and_settles_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let desk = demo_desk(&path);
    // The scheduler's own connection, as the app's background thread has it.
    let sibling = desk.sibling().unwrap();
    let owner = Arc::new(Mutex::new(desk));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (owner, stop) = (owner.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let mut desk = owner.lock().unwrap();
                let name = format!("临时科室{n}");
                departments::add(
                    &mut desk,
                    &admin(),
                    departments::NewDepartment { name, ..Default::default() },
                )
                .unwrap();
                drop(desk);
                n += 1;
                // An officer's pace is not a tight loop: the scheduler's own small write (the
                // last run) gets its turn at the lock.
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    let noon = at("2026-11-22T12:30:00");
    let run = schedule::run_if_due(&sibling, &scheduler_at(noon), false, &|_| {}, &|| {
        std::time::Duration::from_millis(7)
    })
    .unwrap()
    .expect("due at 12:30");
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0, "the owner wrote during the backup");
    assert!(run.ok, "{run:?}");
    assert_eq!(run.elapsed_ms, 7, "the duration comes from the shell's stopwatch");
    let file = std::path::PathBuf::from(run.file.as_ref().unwrap());
    assert_eq!(file.parent().unwrap(), dir.path().join("backups"), "the default folder beside the database");

    // The copy on its own: integrity_check passes and every table equals the manifest.
    let check = backup::verify(&file).unwrap();
    assert!(check.ok, "{check:?}");
    assert_eq!(check.integrity, "ok");
    let manifest = check.manifest.unwrap();
    assert_eq!(manifest.trigger, backup::Trigger::Scheduled);
    assert_eq!(manifest.taken_by, "schedule");
    assert_eq!(manifest.row_counts["staff"], 500);
    let (copy, _) = cmedesk_core::store::open_connection(
        &file,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        &Default::default(),
    )
    .unwrap();
    let departments_in_copy: i64 =
        copy.query_row("SELECT COUNT(*) FROM departments", [], |r| r.get(0)).unwrap();
    assert_eq!(departments_in_copy, manifest.row_counts["departments"]);
    drop(copy);

    let list =
        backup::folder::list(&dir.path().join("backups"), sibling.unlock(), noon.date_naive()).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kind, Kind::Daily);
    assert!(list[0].last_check.as_ref().is_some_and(|c| c.ok), "verified when written");

    // The day is settled: the next tick waits for tomorrow; the result is stored for the page.
    let later = at("2026-11-22T12:31:00");
    assert!(
        schedule::run_if_due(&sibling, &scheduler_at(later), false, &|_| {}, &|| {
            std::time::Duration::from_millis(7)
        })
        .unwrap()
        .is_none()
    );
    let owner = owner.lock().unwrap();
    let status = schedule::status(&owner, later, false).unwrap();
    assert_eq!(status.due.reason, DueReason::Waiting);
    assert_eq!(status.due.next_at.as_deref(), Some("2026-11-23T12:30:00+08:00"));
    assert_eq!(status.last_run.as_ref(), Some(&run));
    assert_eq!(status.last_backup_at.as_deref(), Some("2026-11-22T12:30:00+08:00"));
    let integrity: String = owner.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}

#[test]
fn a_failed_scheduled_backup_is_stored_with_its_reason_and_retried_after_the_pause() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = demo_desk(&dir.path().join("desk.db"));
    // The folder is a file: the backup cannot be written there.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, b"a file, not a folder").unwrap();
    schedule::save(
        &mut desk,
        &admin(),
        Schedule { folder: Some(blocked.display().to_string()), ..Schedule::default() },
    )
    .unwrap();
    let sibling = desk.sibling().unwrap();
    let start = at("2026-11-22T08:00:00");
    let run = schedule::run_if_due(&sibling, &scheduler_at(start), true, &|_| {}, &|| {
        std::time::Duration::from_millis(7)
    })
    .unwrap()
    .expect("catch-up");
    assert!(!run.ok);
    assert!(run.error.as_deref().unwrap().starts_with("BACKUP_DIR: 无法创建备份文件夹"), "{run:?}");
    let status = schedule::status(&desk, start + Duration::minutes(1), true).unwrap();
    assert_eq!(status.due.reason, DueReason::RetryWait);
    assert_eq!(status.due.next_at.as_deref(), Some("2026-11-22T08:15:00+08:00"));
    assert_eq!(status.last_run.unwrap().error, run.error);
    assert!(
        schedule::run_if_due(&sibling, &scheduler_at(start + Duration::minutes(5)), true, &|_| {}, &|| {
            std::time::Duration::from_millis(7)
        })
        .unwrap()
        .is_none()
    );

    // The folder fixed: the retry after the pause succeeds.
    std::fs::remove_file(&blocked).unwrap();
    let retry =
        schedule::run_if_due(&sibling, &scheduler_at(start + Duration::minutes(15)), true, &|_| {}, &|| {
            std::time::Duration::from_millis(7)
        })
        .unwrap()
        .expect("retried");
    assert!(retry.ok, "{retry:?}");
    assert!(backup::verify(std::path::Path::new(retry.file.as_ref().unwrap())).unwrap().ok);
}

#[test]
fn another_desks_backup_in_the_same_folder_settles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let other = demo_desk(&dir.path().join("other.db"));
    let desk = demo_desk(&dir.path().join("desk.db"));
    let noon = at("2026-11-22T12:30:00");
    let taken = schedule::run_if_due(&other, &scheduler_at(noon), false, &|_| {}, &|| {
        std::time::Duration::from_millis(7)
    })
    .unwrap()
    .unwrap();
    assert!(taken.ok);
    let status = schedule::status(&desk, noon + Duration::minutes(1), false).unwrap();
    assert_eq!(status.last_backup_at, None);
    assert!(status.due.now, "{status:?}");
}

#[test]
fn a_schedule_switched_off_takes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = demo_desk(&dir.path().join("desk.db"));
    schedule::save(&mut desk, &admin(), Schedule { enabled: false, ..Schedule::default() }).unwrap();
    let r = schedule::run_if_due(&desk, &scheduler_at(at("2026-11-22T12:30:00")), true, &|_| {}, &|| {
        std::time::Duration::from_millis(7)
    })
    .unwrap();
    assert!(r.is_none());
    assert!(!dir.path().join("backups").exists());
}
