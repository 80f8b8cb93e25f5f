//! Rekey (更换数据库密钥) and encryption of a plaintext desk (desks from before encryption).
//!
//! A new data key means a new file: `sqlcipher_export` copies every table into
//! `<db>.rekey.part` under the new key, the copy is checked (`integrity_check` and row counts
//! equal to the source's), and only then swapped in by a rename. The key file is rewritten
//! around the rename so that every crash point leaves a desk that opens: first it holds the new
//! line *and* the old one, after the rename only the new one. Changing only the passphrase
//! rewraps the key line and leaves the database file alone. Needs `ManageUsers` (the admin);
//! the result is written to the audit log of the re-opened desk. Other processes must have the
//! desk closed (a non-empty WAL beside it is refused with `DESK_IN_USE`).
//!
//! [`move_key`]: the same data key moved into the OS keyring (the key file then only names the
//! entry) or back into the key file; the database file is not touched.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use crate::{
    actor::{Actor, Permission},
    backup,
    db_key::{self, DataKey, KeyLine, Protection, Unlock},
    error::{CoreError, Result},
    store::{self, Desk},
};

/// What to change.
#[derive(Debug, Clone)]
pub struct RekeyPlan {
    /// Re-encrypt under a new random data key (always, for a plaintext desk).
    pub new_data_key: bool,
    /// The admin passphrase the key is wrapped with from now on; none: stored unwrapped.
    pub passphrase: Option<String>,
}

/// What was done (never the key).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RekeyReport {
    pub was_encrypted: bool,
    pub new_data_key: bool,
    pub protection: Protection,
    /// Rows per table, equal in the old and the new file.
    pub tables: usize,
    pub rows: i64,
}

/// Rekeys (or encrypts) the desk's file and returns the desk re-opened under its new key.
pub fn rekey(desk: Desk, actor: &Actor, plan: &RekeyPlan) -> Result<(Desk, RekeyReport)> {
    actor.require(Permission::ManageUsers)?;
    let path: PathBuf = desk
        .path()
        .ok_or_else(|| CoreError::Corrupt("an in-memory desk has no file to encrypt".into()))?
        .to_path_buf();
    let old = desk.key().cloned();
    let was_encrypted = old.is_some();
    let new_data_key = plan.new_data_key || old.is_none();
    let key = match (&old, new_data_key) {
        (Some((k, _)), false) => k.clone(),
        _ => DataKey::random()?,
    };
    let line = KeyLine::seal(&key, plan.passphrase.as_deref())?;
    let key_file = db_key::key_path(&path);
    let unlock = Unlock { passphrase: plan.passphrase.clone(), keyring: false };

    let counts = backup::row_counts(desk.conn())?;
    if new_data_key {
        let part = store::sibling(&path, ".rekey.part");
        let _ = std::fs::remove_file(&part);
        let profile = match &old {
            Some(_) => store::cipher_profile(desk.conn()).unwrap_or(store::CIPHER),
            None => store::CIPHER,
        };
        export(desk.conn(), &part, &key, profile)?;
        let copied = match check_copy(&part, &key) {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(&part);
                return Err(e);
            }
        };
        if copied != counts {
            let _ = std::fs::remove_file(&part);
            return Err(CoreError::Corrupt(format!(
                "the re-encrypted copy differs from the desk: {copied:?} vs {counts:?}; nothing changed"
            )));
        }
        // Closing the desk checkpoints its WAL into the old file; a WAL still there means
        // another process has the desk open, and its writes would be lost by the swap.
        drop(desk);
        let wal = store::sibling(&path, "-wal");
        if std::fs::metadata(&wal).map(|m| m.len() > 0).unwrap_or(false) {
            let _ = std::fs::remove_file(&part);
            return Err(CoreError::Conflict {
                code: "DESK_IN_USE",
                zh: "数据库正被其他程序使用，请先关闭桌面端、局域网服务和同步后再更换密钥".into(),
                en: "the desk is open in another process; close it before rekeying".into(),
            });
        }
        let mut both = vec![line.clone()];
        both.extend(old.iter().map(|(_, l)| l.clone()));
        db_key::write_lines(&key_file, &both)?;
        std::fs::rename(&part, &path)
            .map_err(|e| CoreError::Corrupt(format!("swapping in the re-encrypted file: {e}")))?;
        let _ = std::fs::remove_file(store::sibling(&path, "-shm"));
        sync_dir(&path);
    } else {
        drop(desk);
    }
    db_key::write_lines(&key_file, std::slice::from_ref(&line))?;

    let mut desk = Desk::open_with(&path, &unlock)?;
    let report = RekeyReport {
        was_encrypted,
        new_data_key,
        protection: line.protection(),
        tables: counts.len(),
        rows: counts.values().sum(),
    };
    let site = desk.site_id().to_string();
    let action = if was_encrypted { "desk.rekey" } else { "desk.encrypt" };
    desk.change(actor, |c| c.record(action, "desk", &site, None, Some(&report)))?;
    Ok((desk, report))
}

/// `sqlcipher_export` of everything `conn` sees (WAL included) into a new file under `key`.
pub(crate) fn export(
    conn: &Connection,
    target: &Path,
    key: &DataKey,
    profile: store::CipherProfile,
) -> Result<()> {
    // The desk's connection may not create files (no SQLITE_OPEN_CREATE), and ATTACH inherits
    // that: an empty file is an empty database to SQLite, keyed by the ATTACH.
    std::fs::File::create(target)
        .map_err(|e| CoreError::Corrupt(format!("creating {}: {e}", target.display())))?;
    let target_sql = target.display().to_string().replace('\'', "''");
    conn.execute_batch(&format!("ATTACH DATABASE '{target_sql}' AS rekeyed KEY {};", key.sql_literal()))?;
    // An attached database takes SQLCipher's defaults, not ours: name the desk's profile. A desk
    // made before `store::CIPHER` keeps its own (4 KiB pages for the oldest), so its older
    // backups (page copies, which SQLite's backup API only makes between equal page sizes)
    // still restore into it.
    store::name_profile(conn, "rekeyed", profile)?;
    let exported = conn.query_row("SELECT sqlcipher_export('rekeyed')", [], |_| Ok(()));
    conn.execute_batch("DETACH DATABASE rekeyed;")?;
    exported?;
    Ok(())
}

/// Opens the new file under its key alone, and returns its row counts if SQLite finds it sound.
fn check_copy(part: &Path, key: &DataKey) -> Result<std::collections::BTreeMap<String, i64>> {
    let conn = store::open_keyed(part, OpenFlags::SQLITE_OPEN_READ_ONLY, key)?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        return Err(CoreError::Corrupt(format!("the re-encrypted copy fails integrity_check: {integrity}")));
    }
    backup::row_counts(&conn)
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// Where the data key of an encrypted desk is kept (the key itself stays the same; the database
/// file is not rewritten).
#[derive(Debug, Clone)]
pub enum KeyHome {
    /// The OS keyring; the key file then only names the entry.
    Keyring,
    /// Back in the key file: wrapped with this passphrase, or unwrapped with none.
    KeyFile { passphrase: Option<String> },
}

/// What moving the key did (never the key).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KeyMoveReport {
    pub from: Protection,
    pub to: Protection,
    /// The keyring entry the key file names now (`cmedesk/<account>`), moving in.
    pub keyring_entry: Option<String>,
    /// Moving out: the entry is left in the keyring, because backups taken while the key was
    /// there carry key files naming it; delete it once those backups are gone.
    pub keyring_entry_kept: Option<String>,
}

/// Moves an encrypted desk's data key into the OS keyring or back into the key file (admin:
/// `ManageUsers`; audited as `desk.key_home`). Atomic for the key file: moving in, the entry is
/// written and read back before the file names it (no keyring: `DB_KEYRING_UNAVAILABLE`, nothing
/// changed); moving out, the file gets its whole new line in one rename before anything else.
/// Should the audit row fail, the old line is put back.
pub fn move_key(desk: &mut Desk, actor: &Actor, to: &KeyHome) -> Result<KeyMoveReport> {
    actor.require(Permission::ManageUsers)?;
    let path = desk
        .path()
        .ok_or_else(|| CoreError::Corrupt("an in-memory desk has no key file".into()))?
        .to_path_buf();
    let Some((key, old_line)) = desk.key().cloned() else {
        return Err(CoreError::Conflict {
            code: "NOT_ENCRYPTED",
            zh: "数据库尚未加密，没有可移动的密钥；请先运行 cmedesk encrypt".into(),
            en: "the desk is not encrypted; run `cmedesk encrypt` first".into(),
        });
    };
    let key_file = db_key::key_path(&path);
    let from = old_line.protection();
    let (line, report) = match to {
        KeyHome::Keyring => {
            if from == Protection::Keyring {
                return Err(CoreError::Conflict {
                    code: "KEY_ALREADY_IN_KEYRING",
                    zh: "数据库密钥已在系统钥匙串中".into(),
                    en: "the data key is already in the OS keyring".into(),
                });
            }
            let line = KeyLine::into_keyring(&key, &key_file)?;
            let entry = line.keyring_account().map(|a| format!("{}/{a}", crate::os_keyring::SERVICE));
            let report = KeyMoveReport {
                from,
                to: Protection::Keyring,
                keyring_entry: entry,
                keyring_entry_kept: None,
            };
            (line, report)
        }
        KeyHome::KeyFile { passphrase } => {
            if from != Protection::Keyring {
                return Err(CoreError::Conflict {
                    code: "KEY_NOT_IN_KEYRING",
                    zh: "数据库密钥不在系统钥匙串中，已在密钥文件里（更换口令请用 cmedesk rekey --keep-data-key）"
                        .into(),
                    en: "the data key is not in the OS keyring; it is in the key file already".into(),
                });
            }
            let line = KeyLine::seal(&key, passphrase.as_deref())?;
            let kept = old_line.keyring_account().map(|a| format!("{}/{a}", crate::os_keyring::SERVICE));
            let report =
                KeyMoveReport { from, to: line.protection(), keyring_entry: None, keyring_entry_kept: kept };
            (line, report)
        }
    };
    let undo_entry = |line: &KeyLine| {
        if matches!(to, KeyHome::Keyring)
            && let Some(account) = line.keyring_account()
        {
            let _ = crate::os_keyring::delete(account);
        }
    };
    if let Err(e) = db_key::write_lines(&key_file, std::slice::from_ref(&line)) {
        undo_entry(&line);
        return Err(e);
    }
    let site = desk.site_id().to_string();
    if let Err(e) = desk.change(actor, |c| c.record("desk.key_home", "desk", &site, None, Some(&report))) {
        db_key::write_lines(&key_file, std::slice::from_ref(&old_line))?;
        undo_entry(&line);
        return Err(e);
    }
    desk.set_key_line(line);
    Ok(report)
}
