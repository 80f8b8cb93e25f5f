//! The desk database: opening and migrating the SQLite file, and [`Desk::change`], the one door
//! every mutation goes through (domain rows + audit log + outbox in one transaction).

use std::path::Path;

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
        Desk::init(conn)
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
        let not_desk = || CoreError::NotADeskDatabase {
            path: path.display().to_string(),
        };
        let has_meta: Option<String> = conn
            .query_row(
                "SELECT name FROM sqlite_master WHERE name = 'desk_meta'",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(|_| not_desk())?;
        if has_meta.is_none() {
            return Err(not_desk());
        }
        Desk::init(conn)
    }

    /// A throwaway database for tests and benchmarks.
    pub fn open_in_memory() -> Result<Desk> {
        Desk::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Desk> {
        // WAL keeps readers off the writer's back; FULL makes a committed swipe survive power loss.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        let site_id: Option<String> = conn
            .query_row(
                "SELECT value FROM desk_meta WHERE key = 'site_id'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let site_id = match site_id {
            Some(s) => s,
            None => {
                let s = uuid::Uuid::new_v4().to_string();
                conn.execute(
                    "INSERT INTO desk_meta(key, value) VALUES ('site_id', ?1)",
                    [&s],
                )?;
                s
            }
        };
        Ok(Desk {
            conn,
            site_id,
            ids: uuid::ContextV7::new(),
        })
    }

    /// Read access for queries. Writes go through [`Desk::change`].
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// The desk's sync identity, minted when the database was created.
    pub fn site_id(&self) -> &str {
        &self.site_id
    }

    /// Runs `f` in one immediate transaction. `f` writes domain rows through [`Change::tx`] and
    /// calls [`Change::record`] for each; the audit log and outbox rows are written alongside.
    /// Nothing is committed if `f` fails, or if it recorded nothing (a mutation nobody can see
    /// in the audit log is a bug).
    pub fn change<T>(
        &mut self,
        actor: &Actor,
        f: impl FnOnce(&mut Change<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut change = Change {
            tx,
            actor,
            ids: &self.ids,
            recorded: 0,
            chain: None,
        };
        let out = f(&mut change)?;
        if change.recorded == 0 {
            return Err(CoreError::Corrupt(
                "a change recorded no audit entry; rolled back".into(),
            ));
        }
        change.tx.commit()?;
        Ok(out)
    }
}

/// An open mutation: the transaction, who acts, and the audit chain's position.
pub struct Change<'d> {
    tx: Transaction<'d>,
    actor: &'d Actor,
    ids: &'d uuid::ContextV7,
    recorded: usize,
    /// (next audit seq, hash of the previous row), read once per change.
    chain: Option<(i64, String)>,
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
        let ts = uuid::Timestamp::from_unix(
            self.ids,
            now.timestamp() as u64,
            now.timestamp_subsec_nanos(),
        );
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
            v.map(|v| serde_json::to_string(v).map_err(|e| CoreError::Corrupt(e.to_string())))
                .transpose()
        };
        let (before, after) = (to_json(before)?, to_json(after)?);
        let (seq, prev_hash) = match self.chain.take() {
            Some(c) => c,
            None => audit_log::chain_head(&self.tx)?,
        };
        let entry = audit_log::Entry {
            seq,
            at: self.actor.timestamp(),
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
        outbox::append(&self.tx, &op_id, &entry)?;
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
    let found: i64 = conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if found > schema_version() {
        return Err(CoreError::SchemaTooNew {
            found,
            supported: schema_version(),
        });
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
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_and_named() {
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
            assert!(
                name.starts_with(&format!("{:04}_", i + 1)),
                "migration {name} out of sequence"
            );
            assert!(!sql.trim().is_empty());
        }
    }

    #[test]
    fn opens_in_wal_with_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk::create(&dir.path().join("d.db")).unwrap();
        let mode: String = desk
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = desk
            .conn()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        let fk: i64 = desk
            .conn()
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
    }

    #[test]
    fn refuses_a_newer_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        drop(Desk::create(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations VALUES (999, '0999_future', 'x')",
            [],
        )
        .unwrap();
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
        conn.execute(
            "UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1",
            [],
        )
        .unwrap();
        drop(conn);
        assert_eq!(Desk::open(&path).err().unwrap().code(), "MIGRATION_EDITED");
    }

    #[test]
    fn refuses_a_foreign_file_and_keeps_the_site_id() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        assert_eq!(
            Desk::open(&other).err().unwrap().code(),
            "NOT_A_DESK_DATABASE"
        );
        let path = dir.path().join("d.db");
        let site = Desk::create(&path).unwrap().site_id().to_string();
        assert_eq!(Desk::open(&path).unwrap().site_id(), site);
        assert_eq!(Desk::create(&path).err().unwrap().code(), "DUPLICATE");
    }
}
