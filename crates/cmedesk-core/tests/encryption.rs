//! Encryption at rest (issue 9, part 2): a desk's file, its WAL and its backups hold no ID number
//! or name in plain text; the wrong or a missing key is refused with a stable code; rekey and
//! the encryption of a plaintext desk keep every row; backups stay restorable after a rekey.

mod common;

use std::path::Path;

use cmedesk_core::{
    Desk, audit_log, backup,
    db_key::{self, Protection, Unlock},
    rekey::{RekeyPlan, rekey},
    staff, synthetic,
};
use common::*;

/// The needles: every person's ID number and name, as the UTF-8 bytes SQLite would store.
fn needles(h: &synthetic::Hospital) -> Vec<Vec<u8>> {
    h.staff
        .iter()
        .flat_map(|s| [s.person.id_number.clone().into_bytes(), s.person.name.clone().into_bytes()])
        .collect()
}

/// How many needles occur in the raw bytes of `file` (0 when it does not exist).
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

fn with_suffix(p: &Path, s: &str) -> std::path::PathBuf {
    let mut o = p.as_os_str().to_os_string();
    o.push(s);
    o.into()
}

fn load(desk: &mut Desk, h: &synthetic::Hospital) {
    synthetic::load(desk, &admin(), h).unwrap();
}

/// Rule: personal data at rest is encrypted (issue 9 "Done means": grep on the raw file). The
/// same grep on a plaintext desk finds them, so the search itself is shown to work.
#[test]
fn no_id_number_or_name_in_the_raw_file_wal_or_backup() {
    let dir = tempfile::tempdir().unwrap();
    let h = synthetic::generate(9, 120, now().date_naive());
    let needles = needles(&h);

    let plain = dir.path().join("plain.db");
    let mut desk = Desk::create_with(&plain, &Unlock::default(), false).unwrap();
    load(&mut desk, &h);
    let in_plain = found_in(&plain, &needles) + found_in(&with_suffix(&plain, "-wal"), &needles);
    assert!(in_plain >= h.staff.len(), "the grep works: {in_plain} of {} in plain text", needles.len());
    drop(desk);

    let path = dir.path().join("desk.db");
    let mut desk = Desk::create(&path).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Plain));
    load(&mut desk, &h);
    let wal = with_suffix(&path, "-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 50_000, "the WAL holds the load");
    let b = dir.path().join("backups").join("b.db");
    std::fs::create_dir_all(b.parent().unwrap()).unwrap();
    backup::create(&desk, &admin(), &b).unwrap();
    for file in [&path, &wal, &b] {
        assert_eq!(found_in(file, &needles), 0, "{} holds personal data in plain text", file.display());
        assert!(!db_key::is_plaintext(file));
    }
    assert!(backup::verify(&b).unwrap().ok);
    drop(desk);
    assert_eq!(found_in(&path, &needles), 0, "after the final checkpoint");
    assert_eq!(staff::count(&Desk::open(&path).unwrap()).unwrap(), 120);
}

#[test]
fn a_wrong_or_missing_key_is_refused_with_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    drop(Desk::create(&path).unwrap());
    let other = dir.path().join("other.db");
    drop(Desk::create(&other).unwrap());
    let key = db_key::key_path(&path);
    let saved = std::fs::read(&key).unwrap();

    std::fs::copy(db_key::key_path(&other), &key).unwrap();
    let err = Desk::open(&path).err().unwrap();
    assert_eq!(err.code(), "DB_KEY_WRONG");
    assert!(err.message_zh().contains("密钥"), "{}", err.message_zh());
    assert_eq!(backup::verify(&path).unwrap_err().code(), "DB_KEY_WRONG");

    std::fs::remove_file(&key).unwrap();
    assert_eq!(Desk::open(&path).err().unwrap().code(), "DB_KEY_MISSING");

    std::fs::write(&key, &saved).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(Desk::open(&path).err().unwrap().code(), "DB_KEY_EXPOSED");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(Desk::open(&path).is_ok());
}

#[test]
fn a_passphrase_wrapped_key_needs_the_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let pass = Unlock::with_passphrase("院内管理员口令 2026");
    let desk = Desk::create_with(&path, &pass, true).unwrap();
    assert_eq!(desk.protection(), Some(Protection::Passphrase));
    drop(desk);
    let text = std::fs::read_to_string(db_key::key_path(&path)).unwrap();
    assert!(text.contains("argon2id") && !text.contains("plain"), "{text}");
    assert_eq!(Desk::open_with(&path, &Unlock::default()).err().unwrap().code(), "DB_PASSPHRASE_REQUIRED");
    assert_eq!(
        Desk::open_with(&path, &Unlock::with_passphrase("wrong")).err().unwrap().code(),
        "DB_PASSPHRASE_WRONG"
    );
    assert!(Desk::open_with(&path, &pass).is_ok());
}

/// A new data key: the rows stay, the old key no longer opens the file, the rekey is audited;
/// a backup taken before still restores (it carries its own key line).
#[test]
fn rekey_keeps_the_data_and_retires_the_old_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let mut desk = Desk::create(&path).unwrap();
    load(&mut desk, &synthetic::generate(5, 200, now().date_naive()));
    let b = dir.path().join("before.db");
    backup::create(&desk, &admin(), &b).unwrap();
    let old_key = std::fs::read(db_key::key_path(&path)).unwrap();
    let before = table_rows(&desk);

    let err =
        rekey(desk, &actor(cmedesk_core::Role::Officer), &RekeyPlan { new_data_key: true, passphrase: None })
            .err()
            .unwrap();
    assert_eq!(err.code(), "FORBIDDEN");
    assert_eq!(std::fs::read(db_key::key_path(&path)).unwrap(), old_key, "refused: nothing changed");

    let desk = Desk::open(&path).unwrap();
    let (desk, report) =
        rekey(desk, &admin(), &RekeyPlan { new_data_key: true, passphrase: Some("新口令-2026".into()) })
            .unwrap();
    assert!(report.was_encrypted && report.new_data_key);
    assert_eq!(report.protection, Protection::Passphrase);
    assert_eq!(desk.protection(), Some(Protection::Passphrase));
    let entries = audit_log::list(&desk, &Default::default()).unwrap();
    assert_eq!(entries[0].action, "desk.rekey");
    assert!(audit_log::verify(&desk).unwrap().intact);
    let integrity: String = desk.conn().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    // Everything but the rekey's own audit and outbox rows is as it was.
    let after = table_rows(&desk);
    for (table, rows) in &before {
        if table != "audit_log" && table != "outbox" {
            assert_eq!(after.get(table), Some(rows), "{table}");
        }
    }
    drop(desk);
    let new_key = std::fs::read(db_key::key_path(&path)).unwrap();
    assert_eq!(String::from_utf8_lossy(&new_key).lines().count(), 2, "header + the new line only");
    std::fs::write(db_key::key_path(&path), &old_key).unwrap();
    assert_eq!(Desk::open(&path).err().unwrap().code(), "DB_KEY_WRONG");
    std::fs::write(db_key::key_path(&path), &new_key).unwrap();

    // Only the passphrase changes: the file stays, the key line is rewrapped.
    let size = std::fs::metadata(&path).unwrap().len();
    let desk = Desk::open_with(&path, &Unlock::with_passphrase("新口令-2026")).unwrap();
    let (mut desk, report) =
        rekey(desk, &admin(), &RekeyPlan { new_data_key: false, passphrase: None }).unwrap();
    assert!(!report.new_data_key);
    assert_eq!(desk.protection(), Some(Protection::Plain));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);

    // The backup from before the rekey restores into the rekeyed desk.
    backup::restore(&mut desk, &admin(), &b).unwrap();
    assert_eq!(staff::count(&desk).unwrap(), 200);
    drop(desk);
    assert_eq!(staff::count(&Desk::open(&path).unwrap()).unwrap(), 200);
}

/// Desks from sessions 1–3 are plaintext: they still open, and `rekey` encrypts them in place.
#[test]
fn a_plaintext_desk_opens_and_is_encrypted_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("legacy.db");
    let h = synthetic::generate(7, 150, now().date_naive());
    let mut desk = Desk::create_with(&path, &Unlock::default(), false).unwrap();
    load(&mut desk, &h);
    drop(desk);
    assert!(db_key::is_plaintext(&path));
    assert!(!db_key::key_path(&path).exists());
    let desk = Desk::open(&path).unwrap();
    assert_eq!(desk.protection(), None);
    let before = table_rows(&desk);

    let (desk, report) = rekey(desk, &admin(), &RekeyPlan { new_data_key: false, passphrase: None }).unwrap();
    assert!(!report.was_encrypted && report.new_data_key, "a plaintext desk always gets a new key");
    assert_eq!(audit_log::list(&desk, &Default::default()).unwrap()[0].action, "desk.encrypt");
    let after = table_rows(&desk);
    assert_eq!(after["staff"], before["staff"]);
    assert_eq!(after["departments"], before["departments"]);
    drop(desk);
    assert!(!db_key::is_plaintext(&path));
    assert_eq!(found_in(&path, &needles(&h)), 0);
    assert!(!with_suffix(&path, ".rekey.part").exists());
    assert_eq!(staff::count(&Desk::open(&path).unwrap()).unwrap(), 150);
}
