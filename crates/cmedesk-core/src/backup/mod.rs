//! Backups (备份) of the desk database: online copies through SQLite's backup API (the app keeps
//! working), each carrying a manifest of its row counts so a copy can be verified later, a
//! rotation policy (7 daily, 4 weekly, 12 monthly), and restore with a preview of what changes.
//! A restored desk gets a new sync identity so the exchange server never mistakes it for the
//! original. `folder`: the backups of a folder as the 备份 page lists them (size, kind, last
//! verification) and their rotation. `schedule`: the 定时备份 policy and when the next one is due.

pub mod folder;
pub mod schedule;

use std::{collections::BTreeMap, path::Path, time::Duration};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use rusqlite::{Connection, OpenFlags, params};
use serde::Serialize;

use crate::{
    actor::{Actor, Permission},
    db_key::{self, DataKey, Unlock},
    error::{CoreError, Result},
    store::{self, Desk, open_connection},
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
    /// Taken on demand (备份 now, `cmedesk backup create`) or by the schedule.
    pub trigger: Trigger,
}

/// Why a backup was taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BackupTrigger")]
pub enum Trigger {
    /// Manifests from before this field were all taken on demand.
    #[default]
    Manual,
    Scheduled,
}

/// Where a running backup is, for a progress bar: pages copied of the desk's pages, then the
/// verification of the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "phase", rename_all = "snake_case")]
#[ts(export, rename = "BackupProgress")]
pub enum Progress {
    Copy {
        #[ts(type = "number")]
        done: i64,
        #[ts(type = "number")]
        total: i64,
    },
    Verify,
}

/// The newest 操作日志 entry of a database: what a restore goes back to.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AuditHead {
    #[ts(type = "number")]
    pub seq: i64,
    pub at: String,
    pub operator: String,
    pub action: String,
}

fn audit_head(conn: &Connection) -> Result<Option<AuditHead>> {
    let head = conn.query_row(
        "SELECT seq, at, operator, action FROM audit_log ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok(AuditHead { seq: r.get(0)?, at: r.get(1)?, operator: r.get(2)?, action: r.get(3)? }),
    );
    match head {
        Ok(h) => Ok(Some(h)),
        Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
        Err(e) => Err(e.into()),
    }
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

pub(crate) fn row_counts(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for t in tables(conn)? {
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0))?;
        out.insert(t, n);
    }
    Ok(out)
}

/// Copies the open desk to `target` (which must not exist) while it stays usable, then writes
/// the manifest into the copy and verifies it. An on-demand backup without progress reports.
pub fn create(desk: &Desk, actor: &Actor, target: &Path) -> Result<Manifest> {
    create_with(desk, actor, target, Trigger::Manual, &|_| {})
}

/// [`create`], saying why the backup is taken and reporting progress as it goes. The verdict
/// of the verification after writing is recorded beside the backup ([`folder::CheckRecord`]).
pub fn create_with(
    desk: &Desk,
    actor: &Actor,
    target: &Path,
    trigger: Trigger,
    progress: &dyn Fn(Progress),
) -> Result<Manifest> {
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
    let part = store::sibling(target, ".part");
    let _ = std::fs::remove_file(&part);
    let key = desk.key().map(|(k, _)| k);
    let manifest = copy_to(desk, actor, &part, key, trigger, progress)?;
    progress(Progress::Verify);
    let check = verify_open(open_part(&part, key)?)?;
    if !check.ok {
        let _ = std::fs::remove_file(&part);
        return Err(CoreError::Corrupt(format!(
            "backup {} failed verification: {:?}",
            target.display(),
            check
        )));
    }
    // An encrypted desk's backup is encrypted with the same data key, and carries a copy of the
    // desk's key line beside it (`<backup>.key`), so it stays restorable after a rekey; with a
    // passphrase-wrapped line the copy is as safe to keep (or lose) as the backup itself.
    if let Some((_, line)) = desk.key() {
        db_key::write_lines(&db_key::key_path(target), std::slice::from_ref(line))?;
    }
    std::fs::rename(&part, target)
        .map_err(|e| CoreError::Corrupt(format!("renaming {} to the backup: {e}", part.display())))?;
    folder::record_check(target, &actor.timestamp(), &check)?;
    Ok(manifest)
}

/// Pages per backup step (16 MiB of 16 KiB pages): a progress report every few tens of ms.
const CHUNK_PAGES: std::os::raw::c_int = 1024;
/// Restarts by other writers before the rest of a copy is taken in one step.
const MAX_RESTARTS: u32 = 3;

/// The `.part` copy, opened read-only with the desk's key (its key file comes only with the rename).
fn open_part(part: &Path, key: Option<&DataKey>) -> Result<Connection> {
    Ok(match key {
        Some(key) => store::open_keyed(part, OpenFlags::SQLITE_OPEN_READ_ONLY, key)?,
        None => Connection::open_with_flags(part, OpenFlags::SQLITE_OPEN_READ_ONLY)?,
    })
}

/// The online copy with its manifest, written to `target`.
fn copy_to(
    desk: &Desk,
    actor: &Actor,
    target: &Path,
    key: Option<&DataKey>,
    trigger: Trigger,
    progress: &dyn Fn(Progress),
) -> Result<Manifest> {
    let mut copy = Connection::open(target)?;
    if let Some(key) = key {
        // SQLite's backup API copies pages as they are: the copy takes the desk's cipher profile
        // (`store::CIPHER`, or an older one for a desk made before it).
        let profile = store::cipher_profile(desk.conn()).unwrap_or(store::CIPHER);
        store::key_with(&copy, "main", key, profile)?;
    }
    {
        let backup = rusqlite::backup::Backup::new(desk.conn(), &mut copy)?;
        // Copied in chunks for the progress bar. A write by another connection between two
        // chunks restarts the copy (SQLite's rule, which keeps the copy one consistent
        // snapshot); under steady writing that would never end, so after a few restarts the rest
        // goes in one step, under a single read transaction: in WAL mode writers carry on.
        let mut chunk = CHUNK_PAGES;
        let (mut restarts, mut last_remaining) = (0, i64::MAX);
        loop {
            let step = backup.step(chunk)?;
            let p = backup.progress();
            let (remaining, total) = (i64::from(p.remaining), i64::from(p.pagecount));
            if remaining > last_remaining {
                restarts += 1;
                if restarts >= MAX_RESTARTS {
                    chunk = -1;
                }
            }
            last_remaining = remaining;
            progress(Progress::Copy { done: total - remaining, total });
            match step {
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
        trigger,
    };
    copy.execute_batch("CREATE TABLE backup_manifest (json TEXT NOT NULL) STRICT")?;
    let json = serde_json::to_string(&manifest).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    copy.execute("INSERT INTO backup_manifest(json) VALUES (?1)", [json])?;
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    drop(copy);
    Ok(manifest)
}

/// Checks a backup file: SQLite's integrity check, and its rows against its manifest. An
/// encrypted backup is unlocked from its own key file (`DB_KEY_*` refusals when it cannot be).
pub fn verify(path: &Path) -> Result<BackupCheck> {
    verify_with(path, &Unlock::from_env())
}

/// [`verify`] with the passphrase given (a wrapped key line beside the backup).
pub fn verify_with(path: &Path, unlock: &Unlock) -> Result<BackupCheck> {
    let conn = match open_connection(path, OpenFlags::SQLITE_OPEN_READ_ONLY, unlock) {
        Ok((conn, _)) => conn,
        Err(e @ CoreError::DbKey { .. }) => return Err(e),
        Err(_) => return Err(CoreError::NotADeskDatabase { path: path.display().to_string() }),
    };
    verify_open(conn)
}

fn verify_open(conn: Connection) -> Result<BackupCheck> {
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
    #[serde(default)]
    trigger: Trigger,
}

impl From<ManifestIn> for Manifest {
    fn from(m: ManifestIn) -> Manifest {
        Manifest {
            taken_at: m.taken_at,
            taken_by: m.taken_by,
            source_site_id: m.source_site_id,
            schema_version: m.schema_version,
            row_counts: m.row_counts,
            trigger: m.trigger,
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
    /// The newest 操作日志 entry now, and in the backup (the last change a restore keeps).
    pub latest_now: Option<AuditHead>,
    pub latest_in_backup: Option<AuditHead>,
}

pub fn preview_restore(desk: &Desk, backup: &Path) -> Result<RestorePreview> {
    let check = verify_with(backup, desk.unlock())?;
    let latest_in_backup = match open_connection(backup, OpenFlags::SQLITE_OPEN_READ_ONLY, desk.unlock()) {
        Ok((conn, _)) => audit_head(&conn).ok().flatten(),
        Err(_) => None,
    };
    let now = row_counts(desk.conn())?;
    let then = check.manifest.as_ref().map(|m| m.row_counts.clone()).unwrap_or_default();
    let mut changes = Vec::new();
    for table in now.keys().chain(then.keys()).collect::<std::collections::BTreeSet<_>>() {
        let (a, b) = (now.get(table).copied().unwrap_or(0), then.get(table).copied().unwrap_or(0));
        if a != b {
            changes.push((table.clone(), a, b));
        }
    }
    Ok(RestorePreview { backup: check, changes, latest_now: audit_head(desk.conn())?, latest_in_backup })
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
    rotation_slots(taken, today)
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.is_none())
        .map(|(i, _)| i)
        .collect()
}

/// The rotation slot that keeps each backup (daily before weekly before monthly), `None` for
/// those rotation deletes.
pub fn rotation_slots(taken: &[DateTime<FixedOffset>], today: NaiveDate) -> Vec<Option<Slot>> {
    let mut order: Vec<usize> = (0..taken.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(taken[i]));
    let mut slots = vec![None; taken.len()];
    let mut days = std::collections::HashSet::new();
    let mut weeks = std::collections::HashSet::new();
    let mut months = std::collections::HashSet::new();
    for &i in &order {
        let d = taken[i].date_naive();
        let age = (today - d).num_days();
        // Every set is offered the backup (a newer one of the week must not leave the week's
        // slot to an older one), the first that takes it names its slot.
        let daily = age < 7 && days.insert(d);
        let week = (d.iso_week().year(), d.iso_week().week());
        let weekly = age < 28 && weeks.insert(week);
        let monthly = age < 366 && months.insert((d.year(), d.month()));
        slots[i] = if daily {
            Some(Slot::Daily)
        } else if weekly {
            Some(Slot::Weekly)
        } else if monthly {
            Some(Slot::Monthly)
        } else {
            None
        };
    }
    slots
}

/// The rotation slot a backup is kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export, rename = "BackupSlot")]
pub enum Slot {
    Daily,
    Weekly,
    Monthly,
}
