//! Helpers for whole-workflow tests: the real `cmedesk` binary (built on first use), a scratch
//! directory per test, and checks of a database file from the outside.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::OnceLock,
};

/// The workspace's `cmedesk` binary, built once per test run so the tests never run a stale one.
pub fn cmedesk_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "cmedesk-cli", "--bin", "cmedesk"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building cmedesk failed");
        let target =
            std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
        target.join("debug").join(format!("cmedesk{}", std::env::consts::EXE_SUFFIX))
    })
}

/// A `cmedesk` command on `db`, signed in as admin with `password`, at a fixed time.
pub fn cmedesk(db: &Path, password: &str) -> Command {
    let mut c = Command::new(cmedesk_bin());
    c.env("CMEDESK_DB", db)
        .env("CMEDESK_PASSWORD", password)
        .env("CMEDESK_NOW", "2026-11-22T10:00:00+08:00")
        .env_remove("CMEDESK_OPERATOR")
        .env("RUST_BACKTRACE", "0");
    c
}

/// Runs `cmedesk --json ARGS` and returns the parsed reply, panicking on failure.
pub fn json(db: &Path, password: &str, args: &[&str]) -> serde_json::Value {
    let out = cmedesk(db, password).arg("--json").args(args).output().expect("cmedesk runs");
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON reply")
}

/// SQLite's own verdict on the file.
pub fn integrity_check(db: &Path) -> String {
    let conn = cmedesk_core::store::connect(db).expect("open");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check")
}

pub fn count(db: &Path, table: &str) -> i64 {
    let conn = cmedesk_core::store::connect(db).expect("open");
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).expect("count")
}
