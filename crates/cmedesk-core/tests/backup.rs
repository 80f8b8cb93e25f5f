//! Backups (issue 9, part 1): an online copy taken while another connection writes passes the
//! integrity check and equals its manifest; a damaged copy is caught; restore re-mints the site.

mod common;

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use chrono::{DateTime, Duration, NaiveDate};
use cmedesk_core::{Desk, audit_log, backup, departments, staff, synthetic};
use common::*;

fn demo_desk(path: &std::path::Path) -> Desk {
    let mut desk = Desk::create(path).unwrap();
    synthetic::load(&mut desk, &admin(), &synthetic::generate(3, 500, now().date_naive())).unwrap();
    desk
}

#[test]
fn a_backup_taken_under_write_load_verifies_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let desk = demo_desk(&path);
    // A second connection keeps adding departments while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (path, stop) = (path.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut other = Desk::open(&path).unwrap();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                let name = format!("临时科室{n}");
                departments::add(
                    &mut other,
                    &admin(),
                    departments::NewDepartment { name, ..Default::default() },
                )
                .unwrap();
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(50));
    let target = dir.path().join("backup-1.db");
    let manifest = backup::create(&desk, &admin(), &target).unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0, "the writer ran during the backup");
    assert_eq!(manifest.row_counts["staff"], 500);
    let check = backup::verify(&target).unwrap();
    assert!(check.ok, "{check:?}");
    assert_eq!(check.integrity, "ok");

    // Restore into a desk that has moved on since.
    let mut desk = desk;
    let before_site = desk.site_id().to_string();
    let department_id = departments::list(&desk).unwrap()[1].id.clone();
    staff::add(
        &mut desk,
        &admin(),
        staff::NewStaff {
            name: "新人".into(),
            id_number: "11010519491231002X".into(),
            department_id,
            ..Default::default()
        },
    )
    .unwrap();
    let preview = backup::preview_restore(&desk, &target).unwrap();
    assert!(preview.changes.iter().any(|(t, now, then)| t == "staff" && *now == 501 && *then == 500));
    backup::restore(&mut desk, &admin(), &target).unwrap();
    assert_eq!(staff::count(&desk).unwrap(), 500);
    assert_ne!(desk.site_id(), before_site, "a restored desk is a new sync identity");
    let integrity: String = desk.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    assert!(audit_log::verify(&desk).unwrap().intact);
    let restored = audit_log::list(&desk, &Default::default()).unwrap();
    assert_eq!(restored[0].action, "desk.restore");
    // The restored desk reopens with the new identity.
    let site = desk.site_id().to_string();
    drop(desk);
    assert_eq!(Desk::open(&path).unwrap().site_id(), site);
}

#[test]
fn a_damaged_backup_fails_verification_and_is_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = demo_desk(&dir.path().join("desk.db"));
    let target = dir.path().join("b.db");
    backup::create(&desk, &admin(), &target).unwrap();
    // Lose rows in the copy behind the manifest's back.
    cmedesk_core::store::connect(&target)
        .unwrap()
        .execute("DELETE FROM audit_log WHERE seq > 100", [])
        .unwrap();
    let check = backup::verify(&target).unwrap();
    assert!(!check.ok);
    assert_eq!(check.mismatches[0].0, "audit_log");
    let before = dump(&desk);
    assert_eq!(backup::restore(&mut desk, &admin(), &target).unwrap_err().code(), "BACKUP_INVALID");
    assert_eq!(dump(&desk), before);
    assert_eq!(backup::create(&desk, &admin(), &target).unwrap_err().code(), "DUPLICATE");
    assert_eq!(
        backup::create(&desk, &actor(cmedesk_core::Role::Officer), &dir.path().join("c.db"))
            .unwrap_err()
            .code(),
        "FORBIDDEN"
    );
}

#[test]
fn rotation_keeps_7_daily_4_weekly_12_monthly() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let base = DateTime::parse_from_rfc3339("2026-11-22T02:00:00+08:00").unwrap();
    // Two backups a day for 400 days.
    let taken: Vec<_> = (0..800).map(|i| base - Duration::hours(12 * i)).collect();
    let victims = backup::rotation_victims(&taken, today);
    let kept: Vec<_> = (0..taken.len()).filter(|i| !victims.contains(i)).map(|i| taken[i]).collect();
    // Today's newest is `base` (02:00); on earlier days it is the 14:00 one.
    let newest_of_day = |d: i64| if d == 0 { base } else { base - Duration::hours(24 * d - 12) };
    for d in 0..7 {
        assert!(kept.contains(&newest_of_day(d)), "daily {d}");
    }
    assert!(!kept.contains(&(base - Duration::hours(24))), "the older of a day's two goes");
    assert!(kept.len() <= 7 + 4 + 12, "kept {}", kept.len());
    assert!(kept.len() >= 12, "kept {}", kept.len());
    assert!(kept.iter().all(|t| (today - t.date_naive()).num_days() < 366));
}

/// A desk's actor at another moment (backups taken on other days).
fn admin_at(at: DateTime<chrono::FixedOffset>) -> cmedesk_core::Actor {
    cmedesk_core::Actor::new(admin().operator, at)
}

#[test]
fn the_backup_folder_lists_kind_size_and_last_check_and_rotates() {
    use backup::{Progress, Trigger, folder::Kind};
    let dir = tempfile::tempdir().unwrap();
    let desk = demo_desk(&dir.path().join("desk.db"));
    let folder = dir.path().join("backups");
    std::fs::create_dir_all(&folder).unwrap();
    let unlock = desk.unlock().clone();
    // A manual backup now, with its progress: pages copied up to the total, then the verification.
    let seen = std::sync::Mutex::new(Vec::new());
    let manual = folder.join("m.db");
    backup::create_with(&desk, &admin(), &manual, Trigger::Manual, &|p| seen.lock().unwrap().push(p))
        .unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(seen.last(), Some(&Progress::Verify), "{seen:?}");
    let copies: Vec<_> = seen
        .iter()
        .filter_map(|p| match p {
            Progress::Copy { done, total } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    let (done, total) = *copies.last().unwrap();
    assert!(total > 0 && done == total, "{copies:?}");
    assert!(copies.windows(2).all(|w| w[0].0 <= w[1].0), "progress only moves on: {copies:?}");
    // Scheduled ones: yesterday twice (the older loses the day's slot: week and month are taken
    // by newer backups), and 40 days ago (the month of October).
    let at = |h: i64| now() - Duration::hours(h);
    for (name, hours) in [("d1.db", 24), ("d0.db", 26), ("oct.db", 24 * 40)] {
        backup::create_with(&desk, &admin_at(at(hours)), &folder.join(name), Trigger::Scheduled, &|_| {})
            .unwrap();
    }
    std::fs::write(folder.join("junk.db"), b"not a database").unwrap();
    let today = now().date_naive();
    let list = backup::folder::list(&folder, &unlock, today).unwrap();
    let kinds: Vec<_> = list.iter().map(|e| (e.name.as_str(), e.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("m.db", Kind::Manual),
            ("d1.db", Kind::Daily),
            ("d0.db", Kind::Expiring),
            ("oct.db", Kind::Monthly),
            ("junk.db", Kind::Unknown)
        ]
    );
    assert!(list[..4].iter().all(|e| e.bytes > 0 && e.last_check.as_ref().is_some_and(|c| c.ok)), "{list:?}");
    assert_eq!(list[0].last_check.as_ref().unwrap().checked_at, admin().timestamp(), "verified when written");
    assert!(list[4].error.is_some() && list[4].manifest.is_none() && list[4].last_check.is_none());

    // A damaged copy: its next verification is recorded and listed.
    cmedesk_core::store::connect(&folder.join("d1.db"))
        .unwrap()
        .execute("DELETE FROM audit_log WHERE seq > 100", [])
        .unwrap();
    let later = admin_at(now() + Duration::minutes(5)).timestamp();
    let check = backup::folder::verify_and_record(&folder.join("d1.db"), &unlock, &later).unwrap();
    assert!(!check.ok && check.mismatches.iter().any(|(t, _, _)| t == "audit_log"), "{check:?}");
    let d1 = backup::folder::list(&folder, &unlock, today)
        .unwrap()
        .into_iter()
        .find(|e| e.name == "d1.db")
        .unwrap();
    assert_eq!(d1.last_check.as_ref().map(|c| (c.ok, c.checked_at.clone())), Some((false, later)));

    // Rotation deletes the expiring backup with its key and check files, never the unreadable one.
    let removed = backup::folder::rotate(&folder, &unlock, &manual, today).unwrap();
    assert_eq!(removed, [folder.join("d0.db")]);
    let mut left: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("d0"))
        .collect();
    left.sort();
    assert!(left.is_empty(), "{left:?}");
    assert!(folder.join("junk.db").exists());
}

#[test]
fn the_restore_preview_names_the_newest_audit_entry_now_and_in_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = demo_desk(&dir.path().join("desk.db"));
    let target = dir.path().join("b.db");
    backup::create(&desk, &admin(), &target).unwrap();
    let before = audit_log::list(&desk, &Default::default()).unwrap()[0].clone();
    let department_id = departments::list(&desk).unwrap()[1].id.clone();
    let later = admin_at(now() + Duration::minutes(1));
    staff::add(
        &mut desk,
        &later,
        staff::NewStaff {
            name: "新人".into(),
            id_number: "11010519491231002X".into(),
            department_id,
            ..Default::default()
        },
    )
    .unwrap();
    let preview = backup::preview_restore(&desk, &target).unwrap();
    let now_head = preview.latest_now.unwrap();
    let then_head = preview.latest_in_backup.unwrap();
    assert_eq!((now_head.action.as_str(), now_head.at.as_str()), ("staff.add", later.timestamp().as_str()));
    assert_eq!((then_head.seq, then_head.action.as_str()), (before.seq, before.action.as_str()));
    assert!(now_head.seq > then_head.seq);
}
