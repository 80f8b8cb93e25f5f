//! The desk key in the OS keyring (issue 9, part 2), against a real GNOME Keyring: the test
//! re-runs itself inside `dbus-run-session` with `gnome-keyring-daemon` unlocked on a private
//! session bus and a throwaway HOME (apt: dbus-daemon, gnome-keyring). Inside: a new desk's key
//! file names the keyring entry and holds no key; the desk and its backup reopen from the
//! keyring; without the entry the desk refuses to open (`DB_KEYRING_NO_ENTRY`). Without any
//! reachable keyring a new desk falls back to the key file, as the shell then says.

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

fn synthetic_small(desk: &mut Desk) {
    let data = cmedesk_core::synthetic::generate(1, 20, now().date_naive());
    cmedesk_core::synthetic::load(desk, &admin(), &data).unwrap();
}
