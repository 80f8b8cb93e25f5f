//! The desk key in the OS keyring (issue 9, part 2), against a real GNOME Keyring: the test
//! re-runs itself inside `dbus-run-session` with `gnome-keyring-daemon` unlocked on a private
//! session bus and a throwaway HOME (apt: dbus-daemon, gnome-keyring). Inside: a new desk's key
//! file names the keyring entry and holds no key; the desk and its backup reopen from the
//! keyring; without the entry the desk refuses to open (`DB_KEYRING_NO_ENTRY`). Without any
//! reachable keyring a new desk falls back to the key file, as the shell then says. An existing
//! desk moves its key into the keyring and back (`rekey::move_key`): the same data key, audited,
//! admin only; without a keyring the move is refused and the key file is left as it was.

mod common;

use std::process::Command;

use cmedesk_core::db_key::{self, Protection, Unlock};
use cmedesk_core::{Desk, backup, os_keyring};
use common::*;

const INNER: &str = "CMEDESK_KEYRING_INNER";

fn keyring_unlock() -> Unlock {
    Unlock { passphrase: None, keyring: true }
}

/// Runs the ignored test `name` of this binary in a fresh session bus with GNOME Keyring.
fn in_session(name: &str, with_keyring: bool) {
    let exe = std::env::current_exe().unwrap();
    let home = tempfile::tempdir().unwrap();
    let start = if with_keyring {
        "printf 'cmedesk-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && "
    } else {
        "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus && "
    };
    let out = Command::new("dbus-run-session")
        .args([
            "--",
            "sh",
            "-c",
            &format!("{start}exec \"$0\" --exact {name} --ignored --nocapture --test-threads 1"),
            exe.to_str().unwrap(),
        ])
        .env("HOME", home.path())
        .env(INNER, "1")
        .env_remove("CMEDESK_DB_PASSPHRASE")
        .output()
        .expect(
            "dbus-run-session (apt: dbus-daemon) and gnome-keyring-daemon (apt: gnome-keyring) are needed",
        );
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{name} in a keyring session failed:\n{text}");
    assert!(text.contains("1 passed"), "{name} did not run:\n{text}");
}

#[test]
fn the_desk_key_lives_in_the_os_keyring() {
    in_session("keyring_inner_roundtrip", true);
}

#[test]
fn without_a_keyring_a_new_desk_keeps_its_key_in_the_key_file() {
    in_session("keyring_inner_fallback", false);
}

#[test]
fn an_existing_desk_moves_its_key_into_the_keyring_and_back() {
    in_session("keyring_inner_move", true);
}

#[test]
fn without_a_keyring_moving_the_key_in_changes_nothing() {
    in_session("keyring_inner_move_refused", false);
}

#[test]
#[ignore = "run by the_desk_key_lives_in_the_os_keyring inside its keyring session"]
fn keyring_inner_roundtrip() {
    assert!(std::env::var(INNER).is_ok(), "run through the_desk_key_lives_in_the_os_keyring");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut desk = Desk::create_with(&path, &keyring_unlock(), true).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Keyring));
    synthetic_small(&mut desk);
    let key_file = std::fs::read_to_string(db_key::key_path(&path)).unwrap();
    let line = key_file.lines().nth(1).unwrap();
    let parts: Vec<&str> = line.split(' ').collect();
    assert_eq!(parts.len(), 3, "{line}");
    assert_eq!(parts[0], "keyring");
    let account = parts[1].strip_prefix("cmedesk/").expect("entry named cmedesk/<account>").to_string();
    let staff = cmedesk_core::staff::count(&desk).unwrap();
    let target = dir.path().join("b.db");
    backup::create(&desk, &admin(), &target).unwrap();
    drop(desk);

    // Reopened with nothing but the key file and the keyring; the backup too.
    let desk = Desk::open_with(&path, &Unlock::default()).unwrap();
    assert_eq!(cmedesk_core::staff::count(&desk).unwrap(), staff);
    drop(desk);
    assert!(backup::verify_with(&target, &Unlock::default()).unwrap().ok);

    // The entry gone (another user, another machine): the desk does not open.
    os_keyring::delete(&account).unwrap();
    let err = Desk::open_with(&path, &Unlock::default()).err().expect("no key, no desk");
    assert_eq!(err.code(), "DB_KEYRING_NO_ENTRY");
}

#[test]
#[ignore = "run by without_a_keyring_a_new_desk_keeps_its_key_in_the_key_file"]
fn keyring_inner_fallback() {
    assert!(
        std::env::var(INNER).is_ok(),
        "run through without_a_keyring_a_new_desk_keeps_its_key_in_the_key_file"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let desk = Desk::create_with(&path, &keyring_unlock(), true).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Plain));
    drop(desk);
    let desk = Desk::open_with(&path, &Unlock::default()).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Plain));
}

#[test]
#[ignore = "run by an_existing_desk_moves_its_key_into_the_keyring_and_back inside its keyring session"]
fn keyring_inner_move() {
    use cmedesk_core::rekey::{KeyHome, move_key};
    assert!(
        std::env::var(INNER).is_ok(),
        "run through an_existing_desk_moves_its_key_into_the_keyring_and_back"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut desk = Desk::create_with(&path, &Unlock::default(), true).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Plain));
    synthetic_small(&mut desk);
    let staff = cmedesk_core::staff::count(&desk).unwrap();
    let plain_file = std::fs::read_to_string(db_key::key_path(&path)).unwrap();
    let before_backup = dir.path().join("before.db");
    backup::create(&desk, &admin(), &before_backup).unwrap();

    // Not for an officer; nothing changes.
    let officer = actor(cmedesk_core::Role::Officer);
    assert_eq!(move_key(&mut desk, &officer, &KeyHome::Keyring).unwrap_err().code(), "FORBIDDEN");
    assert_eq!(std::fs::read_to_string(db_key::key_path(&path)).unwrap(), plain_file);
    assert_eq!(
        move_key(&mut desk, &admin(), &KeyHome::KeyFile { passphrase: None }).unwrap_err().code(),
        "KEY_NOT_IN_KEYRING"
    );

    // Into the keyring: the key file names the entry and holds no key; the file is not rewritten.
    // The same file (inode) afterwards: a rekey would have renamed a new one over it.
    let inode = || std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
    let db_inode = inode();
    let report = move_key(&mut desk, &admin(), &KeyHome::Keyring).unwrap();
    assert_eq!((report.from, report.to), (Protection::Plain, Protection::Keyring));
    assert_eq!(desk.protection(), Some(Protection::Keyring));
    let key_file = std::fs::read_to_string(db_key::key_path(&path)).unwrap();
    let line = key_file.lines().nth(1).unwrap();
    let plain_key = plain_file.lines().nth(1).unwrap().strip_prefix("plain ").unwrap();
    assert!(line.starts_with("keyring cmedesk/desk-") && !key_file.contains(plain_key), "{key_file}");
    assert_eq!(key_file.lines().count(), 2, "one line: no stale copy of the key left behind");
    assert_eq!(report.keyring_entry.as_deref(), line.split(' ').nth(1));
    assert_eq!(
        move_key(&mut desk, &admin(), &KeyHome::Keyring).unwrap_err().code(),
        "KEY_ALREADY_IN_KEYRING"
    );
    let entry = &cmedesk_core::audit_log::list(&desk, &Default::default()).unwrap()[0];
    assert_eq!(entry.action, "desk.key_home");
    assert!(!entry.after.as_deref().unwrap().contains(plain_key));
    // A backup taken now carries the keyring line; the one from before keeps its own key.
    let in_keyring_backup = dir.path().join("in-keyring.db");
    backup::create(&desk, &admin(), &in_keyring_backup).unwrap();
    drop(desk);
    assert_eq!(inode(), db_inode);
    let mut desk = Desk::open_with(&path, &Unlock::default()).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Keyring));
    assert_eq!(cmedesk_core::staff::count(&desk).unwrap(), staff);
    assert!(backup::verify_with(&before_backup, &Unlock::default()).unwrap().ok);
    assert!(backup::verify_with(&in_keyring_backup, &Unlock::default()).unwrap().ok);

    // Back out, wrapped with a passphrase this time: the entry stays for the backups naming it.
    let back =
        move_key(&mut desk, &admin(), &KeyHome::KeyFile { passphrase: Some("口令 2026".into()) }).unwrap();
    assert_eq!((back.from, back.to), (Protection::Keyring, Protection::Passphrase));
    assert_eq!(back.keyring_entry_kept, report.keyring_entry);
    drop(desk);
    let err = Desk::open_with(&path, &Unlock::default()).err().expect("wrapped now");
    assert_eq!(err.code(), "DB_PASSPHRASE_REQUIRED");
    let desk = Desk::open_with(&path, &Unlock::with_passphrase("口令 2026")).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Passphrase));
    assert_eq!(cmedesk_core::staff::count(&desk).unwrap(), staff);
    assert!(cmedesk_core::audit_log::verify(&desk).unwrap().intact);
    assert!(backup::verify_with(&in_keyring_backup, &Unlock::default()).unwrap().ok);
}

#[test]
#[ignore = "run by without_a_keyring_moving_the_key_in_changes_nothing"]
fn keyring_inner_move_refused() {
    use cmedesk_core::rekey::{KeyHome, move_key};
    assert!(std::env::var(INNER).is_ok(), "run through without_a_keyring_moving_the_key_in_changes_nothing");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut desk = Desk::create_with(&path, &Unlock::default(), true).unwrap();
    let before_file = std::fs::read_to_string(db_key::key_path(&path)).unwrap();
    let audit_before = cmedesk_core::audit_log::list(&desk, &Default::default()).unwrap().len();
    let err = move_key(&mut desk, &admin(), &KeyHome::Keyring).unwrap_err();
    assert_eq!(err.code(), "DB_KEYRING_UNAVAILABLE");
    assert_eq!(std::fs::read_to_string(db_key::key_path(&path)).unwrap(), before_file);
    assert_eq!(cmedesk_core::audit_log::list(&desk, &Default::default()).unwrap().len(), audit_before);
    drop(desk);
    assert_eq!(Desk::open_with(&path, &Unlock::default()).unwrap().protection(), Some(Protection::Plain));
}

fn synthetic_small(desk: &mut Desk) {
    let data = cmedesk_core::synthetic::generate(1, 20, now().date_naive());
    cmedesk_core::synthetic::load(desk, &admin(), &data).unwrap();
}
