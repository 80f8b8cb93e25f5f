//! Encryption at rest through the `cmedesk` binary (issue 9): `demo` and `init` make encrypted
//! desks with a 0600 key file; the raw database, WAL and backups hold no ID number or name; a
//! missing key or passphrase is refused with its code; `rekey` (admin only, audited) and
//! `encrypt` (a plaintext desk from an earlier version) keep every row.

mod common;

use std::path::Path;

use cmedesk_core::{db_key, synthetic};
use common::*;
use serde_json::Value;

fn run_env(db: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, Value) {
    let mut c = cmedesk(db);
    c.envs(env.iter().copied());
    json(c, args)
}

fn err_code(db: &Path, env: &[(&str, &str)], args: &[&str]) -> String {
    let (code, v) = run_env(db, env, args);
    assert_eq!(code, 1, "{args:?} should fail: {v}");
    v["error"]["code"].as_str().unwrap_or_default().to_string()
}

fn needles(staff: usize) -> Vec<Vec<u8>> {
    let today = chrono::DateTime::parse_from_rfc3339(NOW).unwrap().date_naive();
    synthetic::generate(42, staff, today)
        .staff
        .iter()
        .flat_map(|s| [s.person.id_number.clone().into_bytes(), s.person.name.clone().into_bytes()])
        .collect()
}

fn found_in(file: &Path, needles: &[Vec<u8>]) -> usize {
    let Ok(raw) = std::fs::read(file) else { return 0 };
    // One pass per needle length with a set lookup: a naive search per needle takes minutes
    // over a few MB in a debug build.
    let mut by_len: std::collections::BTreeMap<usize, std::collections::HashSet<&[u8]>> = Default::default();
    for n in needles {
        by_len.entry(n.len()).or_default().insert(n.as_slice());
    }
    let mut starts = [false; 256];
    for n in needles {
        starts[n[0] as usize] = true;
    }
    let mut found = std::collections::HashSet::new();
    for i in (0..raw.len()).filter(|&i| starts[raw[i] as usize]) {
        for (len, set) in &by_len {
            if let Some(w) = raw.get(i..i + len)
                && set.contains(w)
            {
                found.insert(w);
            }
        }
    }
    found.len()
}

#[test]
fn demo_desk_and_its_backup_are_encrypted_and_rekey_keeps_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    ok(&db, &["demo", "--staff", "60"]);
    let key = db_key::key_path(&db);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let backup = ok(&db, &["backup", "create", "--dir", dir.path().join("bk").to_str().unwrap()]);
    let backup_file = std::path::PathBuf::from(backup["file"].as_str().unwrap());
    assert!(db_key::key_path(&backup_file).exists(), "the backup carries its key line");
    let needles = needles(60);
    for f in [&db, &backup_file] {
        assert!(!db_key::is_plaintext(f));
        assert_eq!(found_in(f, &needles), 0, "{}", f.display());
    }
    assert_eq!(ok(&db, &["backup", "verify", backup_file.to_str().unwrap()])["ok"], true);

    // A non-admin may not rekey; nothing changes.
    ok(&db, &["user", "add", "officer1", "--role", "officer", "--new-password", "work4321x"]);
    let before = std::fs::read(&key).unwrap();
    assert_eq!(
        err_code(&db, &[("CMEDESK_OPERATOR", "officer1"), ("CMEDESK_PASSWORD", "work4321x")], &["rekey"]),
        "FORBIDDEN"
    );
    assert_eq!(std::fs::read(&key).unwrap(), before);

    // The admin rekeys under a passphrase: same staff, the old key line no longer opens it.
    let staff_before = ok(&db, &["staff", "list"]);
    let (code, r) = run_env(&db, &[("CMEDESK_NEW_DB_PASSPHRASE", "院办口令2026")], &["rekey"]);
    assert_eq!(code, 0, "{r}");
    assert_eq!(r["protection"], "passphrase");
    assert_eq!(err_code(&db, &[], &["staff", "list"]), "DB_PASSPHRASE_REQUIRED");
    assert_eq!(
        err_code(&db, &[("CMEDESK_DB_PASSPHRASE", "别的")], &["staff", "list"]),
        "DB_PASSPHRASE_WRONG"
    );
    let pass = [("CMEDESK_DB_PASSPHRASE", "院办口令2026")];
    let (code, staff_after) = run_env(&db, &pass, &["staff", "list"]);
    assert_eq!(code, 0);
    assert_eq!(staff_after, staff_before);
    let (_, log) = run_env(&db, &pass, &["audit-log", "--limit", "1"]);
    assert!(log.to_string().contains("desk.rekey"), "{log}");
    let new_key = std::fs::read(&key).unwrap();
    std::fs::write(&key, &before).unwrap();
    assert_eq!(err_code(&db, &[], &["staff", "list"]), "DB_KEY_WRONG");
    std::fs::remove_file(&key).unwrap();
    assert_eq!(err_code(&db, &[], &["staff", "list"]), "DB_KEY_MISSING");
    std::fs::write(&key, &new_key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // The backup from before the rekey still verifies (its own key line beside it).
    let (code, v) = run_env(&db, &pass, &["backup", "verify", backup_file.to_str().unwrap()]);
    assert_eq!((code, &v["ok"]), (0, &Value::Bool(true)), "{v}");
}

/// Desks from sessions 1–3 are plaintext: they keep working, and `encrypt` converts them.
#[test]
fn encrypt_converts_a_plaintext_desk_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    {
        let now = chrono::DateTime::parse_from_rfc3339(NOW).unwrap();
        let mut desk = cmedesk_core::Desk::create_with(&db, &db_key::Unlock::default(), false).unwrap();
        cmedesk_core::users::bootstrap_admin(&mut desk, PASSWORD, now).unwrap();
    }
    ok(&db, &["demo", "--staff", "25"]);
    assert!(db_key::is_plaintext(&db));
    let needles = needles(25);
    assert!(found_in(&db, &needles) > 0, "plaintext before");
    let before = ok(&db, &["staff", "list"]);
    let r = ok(&db, &["encrypt", "--no-passphrase"]);
    assert_eq!(r["was_encrypted"], false);
    assert_eq!(r["protection"], "plain");
    assert!(!db_key::is_plaintext(&db));
    assert_eq!(found_in(&db, &needles), 0);
    assert_eq!(ok(&db, &["staff", "list"]), before);
    assert_eq!(ok(&db, &["audit-log", "--verify"])["intact"], true);
    assert_eq!(err_code(&db, &[], &["encrypt"]), "ALREADY_ENCRYPTED");
}

/// `cmedesk demo --staff 0` makes an empty demo desk (it used to fail).
#[test]
fn demo_with_no_staff_works() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("empty.db");
    ok(&db, &["demo", "--staff", "0"]);
    assert_eq!(ok(&db, &["staff", "list"])["count"], 0);
}
