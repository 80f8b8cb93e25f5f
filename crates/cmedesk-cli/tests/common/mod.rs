//! What the CLI's integration tests share: the real `cmedesk` binary pointed at a database file,
//! as the test operator at a fixed `now`, with nothing from the caller's environment leaking in
//! (operator, passphrases, signing key, font); replies parsed from `--json`, exit codes checked.
// Each test binary compiles this module and uses its own part of it.
#![allow(dead_code)]

pub mod hub;

use std::{path::Path, process::Command};

use serde_json::Value;

pub const PASSWORD: &str = "secret123";
pub const NOW: &str = "2026-11-22T10:00:00+08:00";

/// The binary for `db`, signed in as the test operator at [`NOW`].
pub fn cmedesk(db: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cmedesk"));
    c.env("CMEDESK_DB", db)
        .env("CMEDESK_PASSWORD", PASSWORD)
        .env("CMEDESK_NOW", NOW)
        .env_remove("CMEDESK_OPERATOR")
        .env_remove("CMEDESK_DB_PASSPHRASE")
        .env_remove("CMEDESK_NEW_DB_PASSPHRASE")
        .env_remove("CMEDESK_SIGNING_KEY")
        .env_remove("CMEDESK_FONT")
        .env_remove("CMEDESK_HUB_ADMIN_TOKEN")
        .env("RUST_BACKTRACE", "0");
    c
}

/// Runs `command --json args…`; returns (exit code, parsed stdout). Output that is not JSON fails
/// the test with stdout and stderr shown.
pub fn json(mut command: Command, args: &[&str]) -> (i32, Value) {
    let out = command.arg("--json").args(args).output().expect("run cmedesk");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|_| panic!("{args:?}: not JSON: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

pub fn run(db: &Path, args: &[&str]) -> (i32, Value) {
    json(cmedesk(db), args)
}

/// Exit code 0 expected; the reply.
pub fn ok_with(command: Command, args: &[&str]) -> Value {
    let (code, v) = json(command, args);
    assert_eq!(code, 0, "{args:?} failed: {v}");
    v
}

pub fn ok(db: &Path, args: &[&str]) -> Value {
    ok_with(cmedesk(db), args)
}

/// Exit code 1 (a refused operation) expected; the error's stable code and the whole reply.
pub fn err_with(command: Command, args: &[&str]) -> (String, Value) {
    let (code, v) = json(command, args);
    assert_eq!(code, 1, "{args:?} should fail: {v}");
    (v["error"]["code"].as_str().unwrap_or_default().to_string(), v)
}

pub fn err(db: &Path, args: &[&str]) -> (String, Value) {
    err_with(cmedesk(db), args)
}

pub fn err_code(db: &Path, args: &[&str]) -> String {
    err(db, args).0
}
