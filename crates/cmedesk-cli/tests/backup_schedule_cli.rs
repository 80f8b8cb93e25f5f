//! 定时备份 and the keyring move through the `cmedesk` binary: `backup schedule` shows and
//! changes the desk's schedule (admin, audited, bad time refused by code); `backup due` (what a
//! cron job or Windows task runs) backs up only when due — at start when there is none or the
//! last is older than a day, at the time of day — and says when the next one is; `backup list`
//! reads the schedule's folder. `rekey --keyring` / `--key-file` move the data key into a real
//! GNOME Keyring (dbus-run-session, throwaway HOME) and back; without a keyring nothing changes.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

fn init(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("desk.db");
    ok(&db, &["init"]);
    db
}

fn at(db: &Path, now: &str, args: &[&str]) -> Value {
    let mut c = cmedesk(db);
    c.env("CMEDESK_NOW", now);
    ok_with(c, args)
}

#[test]
fn backup_due_follows_the_schedule_and_the_schedule_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let shown = ok(&db, &["backup", "schedule"]);
    assert_eq!(shown["schedule"]["enabled"], true, "on by default: {shown}");
    assert_eq!(shown["schedule"]["at"], "12:30");
    assert_eq!(shown["folder"], dir.path().join("backups").display().to_string());

    // 10:00, no backup yet: the one-shot catches up at once.
    let first = at(&db, "2026-11-22T10:00:00+08:00", &["backup", "due"]);
    assert_eq!(first["ran"], true, "{first}");
    assert_eq!(first["run"]["ok"], true);
    let file = first["run"]["file"].as_str().unwrap().to_string();
    assert!(file.ends_with("/backups/desk-20261122-100000-auto.db"), "{file}");
    assert_eq!(ok(&db, &["backup", "verify", &file])["ok"], true);
    let again = at(&db, "2026-11-22T10:05:00+08:00", &["backup", "due"]);
    assert_eq!(again["ran"], false);
    assert_eq!(again["schedule"]["due"]["next_at"], "2026-11-22T12:30:00+08:00");
    // 12:30: the day's slot.
    let noon = at(&db, "2026-11-22T12:30:00+08:00", &["backup", "due"]);
    assert_eq!(noon["ran"], true);
    assert_eq!(noon["run"]["rotated_out"], 1, "the day keeps its newest: rotation drops 10:00's");
    let later = at(&db, "2026-11-22T12:40:00+08:00", &["backup", "due"]);
    assert_eq!(later["ran"], false);
    assert_eq!(later["schedule"]["due"]["next_at"], "2026-11-23T12:30:00+08:00");
    let listed = ok(&db, &["backup", "list"]);
    let kinds: Vec<&str> =
        listed["backups"].as_array().unwrap().iter().map(|b| b["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["daily"]);

    // A bad time is refused by code; nothing stored.
    let (code, _) = err(&db, &["backup", "schedule", "--at", "25:00"]);
    assert_eq!(code, "BACKUP_SCHEDULE_TIME");
    // Another folder, another time; then off.
    let nas = dir.path().join("nas");
    let changed = ok(&db, &["backup", "schedule", "--at", "06:15", "--folder", nas.to_str().unwrap()]);
    assert_eq!(changed["schedule"]["at"], "06:15");
    assert_eq!(changed["folder"], nas.display().to_string());
    let ran = at(&db, "2026-11-23T06:15:00+08:00", &["backup", "due"]);
    assert!(ran["run"]["file"].as_str().unwrap().starts_with(nas.to_str().unwrap()), "{ran}");
    assert_eq!(
        ok(&db, &["backup", "list"])["backups"].as_array().unwrap().len(),
        1,
        "lists the schedule's folder"
    );
    let off = ok(&db, &["backup", "schedule", "--off"]);
    assert_eq!(off["schedule"]["enabled"], false);
    assert_eq!(off["due"]["next_at"], Value::Null);
    assert_eq!(at(&db, "2026-11-25T06:15:00+08:00", &["backup", "due"])["ran"], false);

    let log = ok(&db, &["audit-log"]);
    let actions: Vec<&str> =
        log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["backup.schedule", "backup.schedule", "user.add"], "two changes audited");
    assert_eq!(ok(&db, &["audit-log", "--verify"])["intact"], true);
}

#[test]
fn rekey_moves_the_key_into_a_real_keyring_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    ok(&db, &["dept", "add", "心血管内科"]);
    let home = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);
    // Three runs inside one session: in, a read with only the keyring, back out.
    let script = format!(
        "printf 'cmedesk-test' | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && \
         \"$0\" --json rekey --keyring > '{in_}' && \"$0\" --json dept list > '{list}' && \
         \"$0\" --json rekey --key-file --no-passphrase > '{back}'",
        in_ = out("in.json").display(),
        list = out("list.json").display(),
        back = out("back.json").display(),
    );
    let mut c = Command::new("dbus-run-session");
    c.args(["--", "sh", "-c", &script, env!("CARGO_BIN_EXE_cmedesk")])
        .env("CMEDESK_DB", &db)
        .env("CMEDESK_PASSWORD", PASSWORD)
        .env("CMEDESK_NOW", NOW)
        .env("HOME", home.path())
        .env_remove("CMEDESK_DB_PASSPHRASE")
        .env_remove("CMEDESK_NEW_DB_PASSPHRASE");
    let result = c.output().expect("dbus-run-session (apt: dbus-daemon) and gnome-keyring are needed");
    assert!(
        result.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    let read = |name: &str| -> Value { serde_json::from_slice(&std::fs::read(out(name)).unwrap()).unwrap() };
    let moved_in = read("in.json");
    assert_eq!((moved_in["from"].as_str(), moved_in["to"].as_str()), (Some("plain"), Some("keyring")));
    assert!(moved_in["keyring_entry"].as_str().unwrap().starts_with("cmedesk/desk-"));
    assert_eq!(read("list.json")["departments"].as_array().unwrap().len(), 1, "opened from the keyring");
    let back = read("back.json");
    assert_eq!((back["from"].as_str(), back["to"].as_str()), (Some("keyring"), Some("plain")));
    assert_eq!(back["keyring_entry_kept"], moved_in["keyring_entry"]);
    // Outside the session the desk opens from the key file again.
    assert_eq!(ok(&db, &["dept", "list"])["departments"].as_array().unwrap().len(), 1);
    let log = ok(&db, &["audit-log"]);
    let actions: Vec<&str> =
        log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(&actions[..2], ["desk.key_home", "desk.key_home"], "{log}");
}

#[test]
fn without_a_keyring_rekey_keyring_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = init(dir.path());
    let key_file = cmedesk_core::db_key::key_path(&db);
    let before = std::fs::read_to_string(&key_file).unwrap();
    let mut c = cmedesk(&db);
    c.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let (code, _) = err_with(c, &["rekey", "--keyring"]);
    assert_eq!(code, "DB_KEYRING_UNAVAILABLE");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), before);
    assert_eq!(err_code(&db, &["rekey", "--key-file", "--no-passphrase"]), "KEY_NOT_IN_KEYRING");
    ok(&db, &["dept", "list"]);
}
