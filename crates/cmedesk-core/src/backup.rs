//! Backups (备份) of the desk database: online copies through SQLite's backup API (the app keeps
//! working), each carrying a manifest of its row counts so a copy can be verified later, a
//! rotation policy (7 daily, 4 weekly, 12 monthly), and restore with a preview of what changes.
//! A restored desk gets a new sync identity so the exchange server never mistakes it for the
//! original.

use std::{collections::BTreeMap, path::Path, time::Duration};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    store::Desk,
};

/// What a backup holds, written into the copy itself (table `backup_manifest`).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export, rename = "BackupManifest")]
pub struct Manifest {
    pub taken_at: String,
    pub taken_by: String,
    pub source_site_id: String,
    #[ts(type = "number")]
    pub schema_version: i64,
    /// Rows per table at the moment of the copy.
    #[ts(type = "Record<string, number>")]
    pub row_counts: BTreeMap<String, i64>,
}

/// The verdict on one backup file.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct BackupCheck {
    pub ok: bool,
    pub integrity: String,
    pub manifest: Option<Manifest>,
    /// Tables whose row count differs from the manifest: (table, manifest, found).
    #[ts(type = "Array<[string, number, number]>")]
    pub mismatches: Vec<(String, i64, i64)>,
}

fn tables(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name != 'backup_manifest' ORDER BY name",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

fn row_counts(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for t in tables(conn)? {
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0))?;
        out.insert(t, n);
    }
    Ok(out)
}

/// Copies the open desk to `target` (which must not exist) while it stays usable, then writes
/// the manifest into the copy and verifies it.
pub fn create(desk: &Desk, actor: &Actor, target: &Path) -> Result<Manifest> {
    actor.require(Permission::ManageBackups)?;
    if target.exists() {
        return Err(CoreError::Duplicate {
            entity: "backup",
            entity_zh: "备份文件",
            field: "target",
            key: target.display().to_string(),
        });
    }
    // Written beside the target and renamed only once verified: a crash (or kill -9) mid-copy
    // leaves a `.part` file that no listing takes for a backup, never a half backup.
    let part = part_path(target);
    let _ = std::fs::remove_file(&part);
    let manifest = copy_to(desk, actor, &part)?;
    let check = verify(&part)?;
    if !check.ok {
        let _ = std::fs::remove_file(&part);
        return Err(CoreError::Corrupt(format!(
            "backup {} failed verification: {:?}",
            target.display(),
            check
        )));
    }
    std::fs::rename(&part, target)
        .map_err(|e| CoreError::Corrupt(format!("renaming {} to the backup: {e}", part.display())))?;
    Ok(manifest)
}

fn part_path(target: &Path) -> std::path::PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// The online copy with its manifest, written to `target`.
fn copy_to(desk: &Desk, actor: &Actor, target: &Path) -> Result<Manifest> {
    let mut copy = Connection::open(target)?;
    {
        let backup = rusqlite::backup::Backup::new(desk.conn(), &mut copy)?;
        // One step copies every page under a single read transaction: in WAL mode writers carry
        // on meanwhile, and the copy is one consistent snapshot. (Copying in small steps would
        // restart whenever another connection writes, and never finish under steady load.)
        loop {
            match backup.step(-1)? {
                rusqlite::backup::StepResult::Done => break,
                rusqlite::backup::StepResult::More => {}
                rusqlite::backup::StepResult::Busy | rusqlite::backup::StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {}
            }
        }
    }
    // The copy is a consistent snapshot: count it, not the live source.
    let manifest = Manifest {
        taken_at: actor.timestamp(),
        taken_by: actor.operator.username.clone(),
        source_site_id: desk.site_id().to_string(),
        schema_version: crate::store::schema_version(),
        row_counts: row_counts(&copy)?,
    };
    copy.execute_batch("CREATE TABLE backup_manifest (json TEXT NOT NULL) STRICT")?;
    let json = serde_json::to_string(&manifest).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    copy.execute("INSERT INTO backup_manifest(json) VALUES (?1)", [json])?;
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    drop(copy);
    Ok(manifest)
}

/// Checks a backup file: SQLite's integrity check, and its rows against its manifest.
pub fn verify(path: &Path) -> Result<BackupCheck> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|_| CoreError::NotADeskDatabase { path: path.display().to_string() })?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap_or_else(|e| format!("unreadable: {e}"));
    let manifest: Option<Manifest> = conn
        .query_row("SELECT json FROM backup_manifest", [], |r| r.get::<_, String>(0))
        .ok()
        .and_then(|j| serde_json::from_str::<ManifestIn>(&j).ok())
        .map(Into::into);
    let mut mismatches = Vec::new();
    if let Some(m) = &manifest {
        let found = row_counts(&conn).unwrap_or_default();
        for (table, expected) in &m.row_counts {
            let n = found.get(table).copied().unwrap_or(-1);
            if n != *expected {
                mismatches.push((table.clone(), *expected, n));
            }
        }
    }
    Ok(BackupCheck {
        ok: integrity == "ok" && manifest.is_some() && mismatches.is_empty(),
        integrity,
        manifest,
        mismatches,
    })
}

/// `Manifest` as read back (serde needs owned field types to deserialize).
#[derive(serde::Deserialize)]
struct ManifestIn {
    taken_at: String,
    taken_by: String,
    source_site_id: String,
    schema_version: i64,
    row_counts: BTreeMap<String, i64>,
}

impl From<ManifestIn> for Manifest {
    fn from(m: ManifestIn) -> Manifest {
        Manifest {
            taken_at: m.taken_at,
            taken_by: m.taken_by,
            source_site_id: m.source_site_id,
            schema_version: m.schema_version,
            row_counts: m.row_counts,
        }
    }
}

/// What restoring `backup` would change: rows per table now and in the backup.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct RestorePreview {
    pub backup: BackupCheck,
    /// (table, rows now, rows after restore) for every table that differs.
    #[ts(type = "Array<[string, number, number]>")]
    pub changes: Vec<(String, i64, i64)>,
}

pub fn preview_restore(desk: &Desk, backup: &Path) -> Result<RestorePreview> {
    let check = verify(backup)?;
    let now = row_counts(desk.conn())?;
    let then = check.manifest.as_ref().map(|m| m.row_counts.clone()).unwrap_or_default();
    let mut changes = Vec::new();
    for table in now.keys().chain(then.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (a, b) = (now.get(table).copied().unwrap_or(0), then.get(table).copied().unwrap_or(0));
        if a != b {
            changes.push((table.clone(), a, b));
        }
    }
    Ok(RestorePreview { backup: check, changes })
}

/// Replaces the desk's contents with a verified backup, mints a new site id (a restored desk is
/// a new sync identity), and records the restore in the audit log.
pub fn restore(desk: &mut Desk, actor: &Actor, backup: &Path) -> Result<RestorePreview> {
    actor.require(Permission::ManageBackups)?;
    let preview = preview_restore(desk, backup)?;
    if !preview.backup.ok {
        return Err(CoreError::Conflict {
            code: "BACKUP_INVALID",
            zh: format!("备份文件 {} 校验失败，未恢复", backup.display()),
            en: format!("backup {} failed verification; nothing restored", backup.display()),
        });
    }
    if let Some(m) = &preview.backup.manifest
        && m.schema_version > crate::store::schema_version()
    {
        return Err(CoreError::SchemaTooNew {
            found: m.schema_version,
            supported: crate::store::schema_version(),
        });
    }
    let old_site = desk.site_id().to_string();
    desk.restore_from(backup)?;
    let new_site = uuid::Uuid::new_v4().to_string();
    desk.change(actor, |c| {
        c.tx().execute("DROP TABLE IF EXISTS backup_manifest", [])?;
        c.tx().execute("UPDATE desk_meta SET value = ?1 WHERE key = 'site_id'", params![new_site])?;
        let info = serde_json::json!({ "backup": backup.display().to_string(), "previous_site_id": old_site, "site_id": new_site });
        c.record("desk.restore", "desk", &new_site, None, Some(&info))
    })?;
    desk.reload_site_id()?;
    Ok(preview)
}

/// Which backups to keep: the newest per day for 7 days, per ISO week for 4 weeks, per month for
/// 12 months (by the date each was taken). Returns the indexes of `taken` to delete.
pub fn rotation_victims(taken: &[DateTime<FixedOffset>], today: NaiveDate) -> Vec<usize> {
    let mut order: Vec<usize> = (0..taken.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(taken[i]));
    let mut keep = std::collections::HashSet::new();
    let mut days = std::collections::HashSet::new();
    let mut weeks = std::collections::HashSet::new();
    let mut months = std::collections::HashSet::new();
    for &i in &order {
        let d = taken[i].date_naive();
        let age = (today - d).num_days();
        if age < 7 && days.insert(d) {
            keep.insert(i);
        }
        let week = (d.iso_week().year(), d.iso_week().week());
        if age < 28 && weeks.insert(week) {
            keep.insert(i);
        }
        if age < 366 && months.insert((d.year(), d.month())) {
            keep.insert(i);
        }
    }
    (0..taken.len()).filter(|i| !keep.contains(i)).collect()
}
