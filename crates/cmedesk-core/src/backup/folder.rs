//! The backups of one folder as the 备份 page and `cmedesk backup list` show them: file, size,
//! when and by whom taken, kind (手动, or the rotation slot that keeps it: 每日 / 每周 / 每月),
//! and the last verification. A verification's verdict is kept beside its backup
//! (`<backup>.check.json`) so listing reads each backup's manifest but re-checks none: an
//! integrity check of every copy on each look at the page would take seconds per backup.

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset, NaiveDate};
use rusqlite::OpenFlags;
use serde::{Deserialize, Serialize};

use super::{BackupCheck, Manifest, ManifestIn, Slot, Trigger, rotation_slots, verify_with};
use crate::{
    db_key::{self, Unlock},
    error::{CoreError, Result},
    store::open_connection,
};

/// How a backup is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BackupKind")]
pub enum Kind {
    /// Taken on demand.
    Manual,
    Daily,
    Weekly,
    Monthly,
    /// Outside every rotation slot: the next scheduled backup deletes it.
    Expiring,
    /// No manifest could be read (not a backup, or its key is lost).
    Unknown,
}

/// The last verification of a backup, written beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "BackupCheckRecord")]
pub struct CheckRecord {
    pub checked_at: String,
    pub ok: bool,
    pub integrity: String,
    #[ts(type = "Array<[string, number, number]>")]
    pub mismatches: Vec<(String, i64, i64)>,
}

/// One backup file of the folder.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupEntry {
    pub file: String,
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
    pub manifest: Option<Manifest>,
    pub kind: Kind,
    /// `None`: never verified since it was written by a version that kept no record.
    pub last_check: Option<CheckRecord>,
    /// Why the manifest could not be read (code and Chinese message).
    pub error: Option<String>,
}

fn check_path(backup: &Path) -> PathBuf {
    let mut name = backup.file_name().unwrap_or_default().to_os_string();
    name.push(".check.json");
    backup.with_file_name(name)
}

/// Writes the verdict of a verification beside the backup.
pub fn record_check(backup: &Path, at: &str, check: &BackupCheck) -> Result<CheckRecord> {
    let record = CheckRecord {
        checked_at: at.to_owned(),
        ok: check.ok,
        integrity: check.integrity.clone(),
        mismatches: check.mismatches.clone(),
    };
    let json = serde_json::to_vec_pretty(&record).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    std::fs::write(check_path(backup), json)
        .map_err(|e| CoreError::Corrupt(format!("writing {}: {e}", check_path(backup).display())))?;
    Ok(record)
}

/// Verifies one backup now (integrity check and its rows against its manifest) and records the
/// verdict for the listing. `at` is the actor's time (the core reads no clock).
pub fn verify_and_record(backup: &Path, unlock: &Unlock, at: &str) -> Result<BackupCheck> {
    let check = verify_with(backup, unlock)?;
    record_check(backup, at, &check)?;
    Ok(check)
}

fn read_manifest(path: &Path, unlock: &Unlock) -> Result<Manifest> {
    let (conn, _) = open_connection(path, OpenFlags::SQLITE_OPEN_READ_ONLY, unlock).map_err(|e| match e {
        e @ CoreError::DbKey { .. } => e,
        _ => CoreError::NotADeskDatabase { path: path.display().to_string() },
    })?;
    let json: String = conn
        .query_row("SELECT json FROM backup_manifest", [], |r| r.get(0))
        .map_err(|_| CoreError::NotADeskDatabase { path: path.display().to_string() })?;
    let m: ManifestIn = serde_json::from_str(&json).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    Ok(m.into())
}

fn taken_at(m: &Manifest) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(&m.taken_at).ok()
}

/// The backups (`*.db`) in `dir`, newest first; a missing folder has none. One backup that
/// cannot be read (its key file lost) is listed with the reason and hides none of the others.
pub fn list(dir: &Path, unlock: &Unlock, today: NaiveDate) -> Result<Vec<BackupEntry>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| CoreError::Corrupt(format!("reading {}: {e}", dir.display())))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "db") {
            continue;
        }
        let (manifest, error) = match read_manifest(&path, unlock) {
            Ok(m) => (Some(m), None),
            Err(e) => (None, Some(format!("{}: {}", e.code(), e.message_zh()))),
        };
        let last_check = std::fs::read(check_path(&path)).ok().and_then(|b| serde_json::from_slice(&b).ok());
        out.push(BackupEntry {
            file: path.display().to_string(),
            name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            bytes: entry.metadata().map(|m| m.len()).unwrap_or(0),
            manifest,
            kind: Kind::Unknown,
            last_check,
            error,
        });
    }
    // The kind: manual, or the rotation slot among the backups with a readable time.
    let dated: Vec<usize> =
        (0..out.len()).filter(|&i| out[i].manifest.as_ref().and_then(taken_at).is_some()).collect();
    let times: Vec<_> = dated.iter().filter_map(|&i| out[i].manifest.as_ref().and_then(taken_at)).collect();
    for (slot, &i) in rotation_slots(&times, today).into_iter().zip(&dated) {
        let manual = out[i].manifest.as_ref().is_some_and(|m| m.trigger == Trigger::Manual);
        out[i].kind = match (manual, slot) {
            (true, _) => Kind::Manual,
            (false, Some(Slot::Daily)) => Kind::Daily,
            (false, Some(Slot::Weekly)) => Kind::Weekly,
            (false, Some(Slot::Monthly)) => Kind::Monthly,
            (false, None) => Kind::Expiring,
        };
    }
    out.sort_by(|a, b| {
        let t = |e: &BackupEntry| e.manifest.as_ref().map(|m| m.taken_at.clone()).unwrap_or_default();
        t(b).cmp(&t(a)).then_with(|| b.name.cmp(&a.name))
    });
    Ok(out)
}

/// Deletes the backups of `dir` that rotation does not keep (7 daily, 4 weekly, 12 monthly, by
/// the time in each one's manifest), never `keep` (the one just taken) nor a file whose manifest
/// cannot be read. Returns the files deleted.
pub fn rotate(dir: &Path, unlock: &Unlock, keep: &Path, today: NaiveDate) -> Result<Vec<PathBuf>> {
    let entries = list(dir, unlock, today)?;
    let dated: Vec<(PathBuf, DateTime<FixedOffset>)> = entries
        .iter()
        .filter_map(|e| Some((PathBuf::from(&e.file), e.manifest.as_ref().and_then(taken_at)?)))
        .collect();
    let times: Vec<_> = dated.iter().map(|(_, t)| *t).collect();
    let mut removed = Vec::new();
    for (slot, (path, _)) in rotation_slots(&times, today).into_iter().zip(&dated) {
        if slot.is_none() && path != keep {
            std::fs::remove_file(path)
                .map_err(|e| CoreError::Corrupt(format!("deleting {}: {e}", path.display())))?;
            let _ = std::fs::remove_file(db_key::key_path(path));
            let _ = std::fs::remove_file(check_path(path));
            removed.push(path.clone());
        }
    }
    Ok(removed)
}
