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
    rusqlite::Connection::open(&target)
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
