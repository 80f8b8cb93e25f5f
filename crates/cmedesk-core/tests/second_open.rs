//! Issue 8's lost write: a desk opened a second time inside a process that already has it open
//! (the app's 立即同步 round opened its own `Desk`) must not cost the first handle its locks.
//!
//! Before the fix, `Desk::open` read the file's first bytes with `std::fs::File` to tell a
//! plaintext desk from an encrypted one; closing that descriptor dropped every POSIX lock of the
//! process on the database, the app connection's SHARED lock included. When another process
//! (a `cmedesk` command) then closed its own connection, it got the EXCLUSIVE lock, took itself
//! for the last user, checkpointed and deleted the WAL. The app kept committing into the
//! unlinked WAL, saw its rows, and lost them at the next start (e2e: 2001 of 2004 staff).
//!
//! The "app" here is this test binary run again as a child process (real processes, real file
//! locks); it is killed with `abort()` like the e2e kills the app, and the parent counts.

mod common;

use std::{path::Path, process::Command};

use cmedesk_core::{Desk, departments};

const ROLE: &str = "CMEDESK_SECOND_OPEN_ROLE";

fn add(desk: &mut Desk, name: &str) {
    departments::add(
        desk,
        &common::admin(),
        departments::NewDepartment { name: name.into(), ..Default::default() },
    )
    .unwrap();
}

fn named(desk: &Desk, prefix: &str) -> i64 {
    desk.conn()
        .query_row("SELECT COUNT(*) FROM departments WHERE name LIKE ?1 || '%'", [prefix], |r| r.get(0))
        .unwrap()
}

/// Runs this test binary's `test` as a child process in `role` on `db`.
fn run_as(test: &str, role: &str, db: &Path) -> std::process::ExitStatus {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .env("CMEDESK_TEST_DB", db)
        .status()
        .unwrap()
}

/// The child processes: "app" keeps the desk open across a second open, a `cmedesk`-like
/// command in another process and three more commits, then dies without closing anything;
/// "cli" opens the desk, reads, and closes it.
#[test]
fn child_process() {
    let (Ok(role), Ok(db)) = (std::env::var(ROLE), std::env::var("CMEDESK_TEST_DB")) else { return };
    let db = Path::new(&db);
    match role.as_str() {
        "cli" => {
            let desk = Desk::open(db).unwrap();
            assert!(named(&desk, "前科") >= 10);
        }
        "app" => {
            let mut app = Desk::open(db).unwrap();
            for i in 0..10 {
                add(&mut app, &format!("前科{i}"));
            }
            // What the app's sync round did before the fix: a second open on another thread
            // (here in turn; the lock loss does not depend on timing), then its close.
            std::thread::scope(|s| {
                s.spawn(|| drop(Desk::open(db).unwrap()));
            });
            // A second connection the supported way stays harmless too.
            drop(app.sibling().unwrap());
            assert!(run_as("child_process", "cli", db).success(), "the other process read the desk");
            for i in 0..3 {
                add(&mut app, &format!("后科{i}"));
            }
            assert_eq!(named(&app, "后科"), 3, "the app sees its commits");
            // Killed like the e2e kills the app: no destructor runs, the WAL must carry the rest.
            std::process::abort();
        }
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn a_second_open_in_the_app_process_does_not_lose_its_later_commits() {
    if std::env::var(ROLE).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    drop(Desk::create(&db).unwrap());
    let status = run_as("child_process", "app", &db);
    assert!(!status.success(), "the app process was killed");
    let desk = Desk::open(&db).unwrap();
    assert_eq!(named(&desk, "前科"), 10);
    assert_eq!(named(&desk, "后科"), 3, "commits after the second open and the other process survive");
}

/// `Desk::sibling` is the second connection the app's sync round uses: same file, key and site
/// id, no checkpointer of its own; what it commits the owner reads at once.
#[test]
fn a_sibling_connection_shares_the_desk() {
    if std::env::var(ROLE).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let mut owner = Desk::create(&db).unwrap();
    let mut sibling = owner.sibling().unwrap();
    assert_eq!(sibling.site_id(), owner.site_id());
    assert_eq!(sibling.path(), Some(db.as_path()));
    assert_eq!(sibling.protection(), owner.protection());
    add(&mut sibling, "前科甲");
    assert_eq!(named(&owner, "前科"), 1);
    add(&mut owner, "前科乙");
    assert_eq!(named(&sibling, "前科"), 2);
    let mode: String = sibling.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    drop(owner);
    drop(sibling);
    assert_eq!(named(&Desk::open(&db).unwrap(), "前科"), 2);
    assert!(Desk::open_in_memory().unwrap().sibling().is_err(), "no file, no second connection");
}
