//! The desk database: opening and migrating the SQLite file, and [`Desk::change`], the one door
//! every mutation goes through (domain rows + audit log + outbox in one transaction).

use std::{path::Path, sync::mpsc, thread::JoinHandle};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{
    actor::Actor,
    audit_log,
    error::{CoreError, Result},
    outbox,
};

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The schema version this build writes; a database with a higher one is refused.
pub fn schema_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// An open desk database.
pub struct Desk {
    conn: Connection,
    site_id: String,
    ids: uuid::ContextV7,
    /// Absent for in-memory databases (no WAL).
    checkpointer: Option<Checkpointer>,
}

/// Rows written since the last checkpoint before the background checkpointer is woken: about
/// what SQLite's own automatic checkpoint (1,000 pages) amounts to for our row sizes.
const CHECKPOINT_AFTER_ROWS: u64 = 2_000;

/// Copies the WAL into the database file on its own connection and thread. SQLite's automatic
/// checkpoint runs inside the commit that crosses its threshold, so one large change (an import
/// of 100,000 people) waited for the copy of everything it wrote; here the commit returns once
/// the WAL is synced (durable under `synchronous=FULL`) and the copy follows. PASSIVE mode never
/// blocks the writer or readers; whatever it cannot copy yet it copies on the next wake-up, and
/// closing the last connection checkpoints the rest.
struct Checkpointer {
    wake: Option<mpsc::SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    /// `total_changes` of the desk's connection at the last wake-up.
    rows_at_last_wake: u64,
}

impl Checkpointer {
    fn start(path: &Path) -> Result<Checkpointer> {
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // One pending wake-up is enough: a checkpoint copies everything committed before it.
        let (wake, asleep) = mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("cmedesk-checkpoint".into())
            .spawn(move || {
                while asleep.recv().is_ok() {
                    // A failed or partial checkpoint loses nothing: the frames stay in the WAL.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(|e| CoreError::Corrupt(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Checkpointer { wake: Some(wake), thread: Some(thread), rows_at_last_wake: 0 })
    }

    fn after_commit(&mut self, total_changes: u64) {
        if total_changes.saturating_sub(self.rows_at_last_wake) >= CHECKPOINT_AFTER_ROWS {
            self.rows_at_last_wake = total_changes;
            if let Some(wake) = &self.wake {
                let _ = wake.try_send(());
            }
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.wake.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Desk {
    /// Creates a new desk database at `path` (which must not exist yet) and mints its site id.
    pub fn create(path: &Path) -> Result<Desk> {
        if path.exists() {
            return Err(CoreError::Duplicate {
                entity: "database",
                entity_zh: "数据库文件",
                field: "db",
                key: path.display().to_string(),
            });
        }
        let conn = Connection::open(path)?;
        Desk::init(conn, Some(path))
    }

    /// Opens an existing desk database, applying newer migrations; refuses a newer schema.
    pub fn open(path: &Path) -> Result<Desk> {
        if !path.exists() {
            return Err(CoreError::NotFound {
                entity: "database",
                entity_zh: "数据库文件",
                key: path.display().to_string(),
            });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let not_desk = || CoreError::NotADeskDatabase { path: path.display().to_string() };
        let has_meta: Option<String> = conn
            .query_row("SELECT name FROM sqlite_master WHERE name = 'desk_meta'", [], |r| r.get(0))
            .optional()
            .map_err(|_| not_desk())?;
        if has_meta.is_none() {
            return Err(not_desk());
        }
        Desk::init(conn, Some(path))
    }

    /// A throwaway database for tests and benchmarks.
    pub fn open_in_memory() -> Result<Desk> {
        Desk::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<&Path>) -> Result<Desk> {
        // WAL keeps readers off the writer's back; FULL makes a committed swipe survive power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Imports and demo loads write 100,000s of rows in one transaction; the default 2 MiB
        // page cache makes every index insert hit the disk cache again.
        conn.pragma_update(None, "cache_size", -65536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Checkpoints run on the background checkpointer, never inside a commit.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        migrate(&mut conn)?;
        let site_id: Option<String> = conn
            .query_row("SELECT value FROM desk_meta WHERE key = 'site_id'", [], |r| r.get(0))
            .optional()?;
        let site_id = match site_id {
            Some(s) => s,
            None => {
                let s = uuid::Uuid::new_v4().to_string();
                conn.execute("INSERT INTO desk_meta(key, value) VALUES ('site_id', ?1)", [&s])?;
                s
            }
        };
        let checkpointer = match path {
            Some(path) => Some(Checkpointer::start(path)?),
            None => None,
        };
        Ok(Desk { conn, site_id, ids: uuid::ContextV7::new(), checkpointer })
    }

    /// Overwrites this database with the contents of `backup` (SQLite's backup API, page by page).
    pub(crate) fn restore_from(&mut self, backup: &Path) -> Result<()> {
        self.conn.restore(rusqlite::MAIN_DB, backup, None::<fn(rusqlite::backup::Progress)>)?;
        // A backup from an older version is brought up to this one.
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut self.conn)
    }

    pub(crate) fn reload_site_id(&mut self) -> Result<()> {
        self.site_id =
            self.conn.query_row("SELECT value FROM desk_meta WHERE key = 'site_id'", [], |r| r.get(0))?;
        Ok(())
    }

    /// Read access for queries. Writes go through [`Desk::change`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Copies every committed change from the WAL into the database file now and truncates the
    /// WAL (`wal_checkpoint(TRUNCATE)`), waiting for readers if it must.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The desk's sync identity, minted when the database was created.
    pub fn site_id(&self) -> &str {
        &self.site_id
    }

    /// Runs `f` in one immediate transaction. `f` writes domain rows through [`Change::tx`] and
    /// calls [`Change::record`] for each; the audit log and outbox rows are written alongside.
    /// Nothing is committed if `f` fails, or if it recorded nothing (a mutation nobody can see
    /// in the audit log is a bug).
    pub fn change<T>(&mut self, actor: &Actor, f: impl FnOnce(&mut Change<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut change = Change {
            tx,
            actor,
            at: actor.timestamp(),
            ids: &self.ids,
            recorded: 0,
            chain: None,
            next_site_seq: None,
        };
        let out = f(&mut change)?;
        if change.recorded == 0 {
            return Err(CoreError::Corrupt("a change recorded no audit entry; rolled back".into()));
        }
        let rows_written = change.tx.total_changes();
        change.tx.commit()?;
        if let Some(c) = &mut self.checkpointer {
            c.after_commit(rows_written);
        }
        Ok(out)
    }
}

/// An open mutation: the transaction, who acts, and the audit chain's position.
pub struct Change<'d> {
    tx: Transaction<'d>,
    actor: &'d Actor,
    ids: &'d uuid::ContextV7,
    /// The actor's time, formatted once: every row of one change carries the same instant.
    at: String,
    recorded: usize,
    /// (next audit seq, hash of the previous row), read once per change.
    chain: Option<(i64, String)>,
    /// The next outbox `site_seq`, read once per change.
    next_site_seq: Option<i64>,
}

impl Change<'_> {
    pub fn tx(&self) -> &Connection {
        &self.tx
    }

    pub fn actor(&self) -> &Actor {
        self.actor
    }

    /// A new UUIDv7 id stamped with the actor's time (monotonic within this desk).
    pub fn new_id(&self) -> String {
        let now = self.actor.now;
        let ts = uuid::Timestamp::from_unix(self.ids, now.timestamp() as u64, now.timestamp_subsec_nanos());
        uuid::Uuid::new_v7(ts).to_string()
    }

    /// Records one mutation of `entity` `entity_id`: an audit-log row (before → after) chained
    /// to the previous one, and an outbox row for sync.
    pub fn record<T: Serialize + ?Sized>(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: &str,
        before: Option<&T>,
        after: Option<&T>,
    ) -> Result<()> {
        let to_json = |v: Option<&T>| -> Result<Option<String>> {
            v.map(|v| serde_json::to_string(v).map_err(|e| CoreError::Corrupt(e.to_string()))).transpose()
        };
        let (before, after) = (to_json(before)?, to_json(after)?);
        let (seq, prev_hash) = match self.chain.take() {
            Some(c) => c,
            None => audit_log::chain_head(&self.tx)?,
        };
        let entry = audit_log::Entry {
            seq,
            at: self.at.clone(),
            operator: self.actor.operator.username.clone(),
            action: action.to_string(),
            entity: entity.to_string(),
            entity_id: entity_id.to_string(),
            before,
            after,
            prev_hash,
        };
        let hash = audit_log::append(&self.tx, &entry)?;
        self.chain = Some((seq + 1, hash));
        let op_id = self.new_id();
        let site_seq = match self.next_site_seq {
            Some(n) => n,
            None => outbox::next_site_seq(&self.tx)?,
        };
        outbox::append(&self.tx, site_seq, &op_id, &entry)?;
        self.next_site_seq = Some(site_seq + 1);
        self.recorded += 1;
        Ok(())
    }
}

/// Applies embedded migrations not yet applied; refuses a database that is newer than this build
/// or whose applied migrations differ from the embedded ones.
fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL) STRICT",
    )?;
    let found: i64 =
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    if found > schema_version() {
        return Err(CoreError::SchemaTooNew { found, supported: schema_version() });
    }
    let applied: Vec<(i64, String, String)> = conn
        .prepare("SELECT version, name, sha256 FROM schema_migrations ORDER BY version")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (version, name, recorded) in &applied {
        let (embedded_name, sql) = MIGRATIONS[(*version - 1) as usize];
        let embedded = sha256_hex(sql.as_bytes());
        if embedded_name != name || &embedded != recorded {
            return Err(CoreError::MigrationEdited {
                name: name.clone(),
                recorded: recorded.clone(),
                embedded,
            });
        }
    }
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations(version, name, sha256) VALUES (?1, ?2, ?3)",
            rusqlite::params![i as i64 + 1, name, sha256_hex(sql.as_bytes())],
        )?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex; hot in the audit chain, so no `format!` per byte.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    #[test]
    fn migrations_are_numbered_and_named() {
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
            assert!(name.starts_with(&format!("{:04}_", i + 1)), "migration {name} out of sequence");
            assert!(!sql.trim().is_empty());
        }
    }

    #[test]
    fn opens_in_wal_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::create(&dir.path().join("d.db")).unwrap();
        let mode: String = desk.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        let sync: i64 = desk.conn().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        let fk: i64 = desk.conn().query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    }

    /// A large change commits without copying the WAL into the database file; the background
    /// checkpointer does it afterwards, and closing the desk leaves no WAL behind.
    #[test]
    fn checkpoints_run_after_the_commit_in_the_background() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let wal = dir.path().join("d.db-wal");
        let mut desk = Desk::create(&path).unwrap();
        let auto: i64 = desk.conn().query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0)).unwrap();
        assert_eq!(auto, 0, "SQLite's own checkpoint would run inside the commit");
        let size = || std::fs::metadata(&path).unwrap().len();
        let before = size();
        let actor = Actor::new(
            crate::Operator::system(),
            chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap(),
        );
        let filler = "x".repeat(1000);
        desk.change(&actor, |c| {
            for i in 0..CHECKPOINT_AFTER_ROWS {
                c.tx().execute(
                    "INSERT INTO desk_meta(key, value) VALUES (?1, ?2)",
                    params![format!("k{i}"), filler],
                )?;
            }
            c.record("test.bulk", "desk_meta", "bulk", None::<&str>, Some("2,000 rows"))?;
            Ok(())
        })
        .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while size() < before + 2_000_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(size() >= before + 2_000_000, "the checkpointer copied the change: {} → {}", before, size());
        drop(desk);
        assert!(!wal.exists(), "closing the desk checkpoints the rest and removes the WAL");
        let desk = Desk::open(&path).unwrap();
        let n: i64 = desk
            .conn()
            .query_row("SELECT COUNT(*) FROM desk_meta WHERE key LIKE 'k%'", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n as u64, CHECKPOINT_AFTER_ROWS);
    }

    /// Migration 0004 rebuilds the outbox without the op_id index and keeps every row as it was.
    #[test]
    fn migration_4_keeps_the_outbox_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL) STRICT",
        )
        .unwrap();
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().take(3) {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, ?3)",
                params![i as i64 + 1, name, sha256_hex(sql.as_bytes())],
            )
            .unwrap();
        }
        let row = "1|op-1|staff|s-1|insert|{\"action\":\"staff.add\",\"after\":{\"name\":\"王芳\"}}|2026-01-05T09:00:00.000+08:00|2026-01-06";
        let fields: Vec<&str> = row.split('|').collect();
        conn.execute(
            "INSERT INTO outbox VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params_from_iter(&fields),
        )
        .unwrap();
        drop(conn);
        let desk = Desk::open(&path).unwrap();
        let stored: String = desk
            .conn()
            .query_row(
                "SELECT site_seq || '|' || op_id || '|' || entity || '|' || entity_id || '|' || op || '|' ||
                        payload || '|' || created_at || '|' || pushed_at FROM outbox",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(stored, row);
        let indexes: i64 = desk
            .conn()
            .query_row(
                // No index over op_id (a UNIQUE constraint shows as an autoindex without SQL);
                // later migrations may index other columns (0007: entity lookups for sync).
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'
                   AND (sql IS NULL OR sql LIKE '%op_id%')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 0);
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        drop(Desk::create(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute("INSERT INTO schema_migrations VALUES (999, '0999_future', 'x')", []).unwrap();
        drop(conn);
        let err = Desk::open(&path).err().unwrap();
        assert_eq!(err.code(), "SCHEMA_TOO_NEW");
        assert!(err.message_zh().contains("升级"));
    }

    #[test]
    fn refuses_an_edited_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        drop(Desk::create(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1", []).unwrap();
        drop(conn);
        assert_eq!(Desk::open(&path).err().unwrap().code(), "MIGRATION_EDITED");
    }

    #[test]
    fn refuses_a_foreign_file_and_keeps_the_site_id() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.db");
        Connection::open(&other).unwrap().execute_batch("CREATE TABLE t(x)").unwrap();
        assert_eq!(Desk::open(&other).err().unwrap().code(), "NOT_A_DESK_DATABASE");
        let path = dir.path().join("d.db");
        let site = Desk::create(&path).unwrap().site_id().to_string();
        assert_eq!(Desk::open(&path).unwrap().site_id(), site);
        assert_eq!(Desk::create(&path).err().unwrap().code(), "DUPLICATE");
    }
}
