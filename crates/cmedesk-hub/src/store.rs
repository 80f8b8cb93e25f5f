//! The hub's storage in embedded SQLite: enrolled sites (token hashes, `acked_through`,
//! quarantine), the settled result of every pushed op, and the space log with its gap-free
//! `server_seq`. The log is the truth; the merged data ([`Replica`]) is rebuilt from it at start
//! (merging is deterministic), so the file holds nothing that could disagree with the log.
//!
//! One connection behind one lock, one IMMEDIATE transaction per push: `server_seq`s are
//! allocated in commit order, so a desk's cursor can never pass a seq committed later.

use std::path::Path;

use cmedesk_core::sync::{
    LogEntry, Op, OpResult, PullReply, PushReply, PushRequest, Replica, Snapshot,
    hub::{PushDecision, decide, settle},
};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::retention;
pub use crate::retention::{DeskInfo, LogInfo, PruneReport};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS hub_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS sites (
    site_id        TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    -- SHA-256 of the desk token: a stolen hub file does not give desk tokens away.
    token_sha256   TEXT NOT NULL UNIQUE,
    acked_through  INTEGER NOT NULL DEFAULT 0,
    quarantined_at INTEGER,
    enrolled_at    TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS site_ops (
    site_id  TEXT NOT NULL REFERENCES sites(site_id),
    site_seq INTEGER NOT NULL,
    op_id    TEXT NOT NULL,
    hash     TEXT NOT NULL,
    result   TEXT NOT NULL,
    PRIMARY KEY (site_id, site_seq)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
    server_seq INTEGER PRIMARY KEY,
    op         TEXT NOT NULL
) STRICT;
";

/// Columns added for the admin commands and retention; hub files made before them get them on
/// open. `logged_at` (ms) is 0 for entries logged before the column existed: they count as old.
const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("sites", "pulled_through", "INTEGER NOT NULL DEFAULT 0"),
    ("sites", "revoked_at", "TEXT"),
    ("log", "logged_at", "INTEGER NOT NULL DEFAULT 0"),
];

#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    #[error("site {0} is enrolled already")]
    AlreadyEnrolled(String),
    #[error("site {0} is not enrolled")]
    UnknownSite(String),
    #[error("本机同步位置 {after} 早于服务器已清理的日志（已清理至 {pruned_through}），需要重新同步")]
    ResyncNeeded { after: i64, pruned_through: i64 },
}

impl HubError {
    pub fn code(&self) -> &'static str {
        match self {
            HubError::Sqlite(_) | HubError::Postgres(_) | HubError::Corrupt(_) => "INTERNAL",
            HubError::AlreadyEnrolled(_) => "SITE_ALREADY_ENROLLED",
            HubError::UnknownSite(_) => "SITE_NOT_ENROLLED",
            HubError::ResyncNeeded { .. } => "RESYNC_NEEDED",
        }
    }
}

/// What `/v1/status` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Status {
    pub epoch: u64,
    pub head: i64,
    pub acked_through: i64,
    pub quarantined: bool,
    /// The canonical data hash of the space (equal on every settled desk).
    pub state_hash: String,
}

/// The hub's storage: embedded SQLite (one file, one process) or PostgreSQL (`--postgres URL`,
/// a hospital group or a region; [`crate::pg`]). Both keep the same tables and follow the same
/// rules, checked by the same tests.
pub enum HubStore {
    Sqlite(SqliteStore),
    Postgres(crate::pg::PgStore),
}

impl HubStore {
    /// Opens (creating if needed) a SQLite hub database.
    pub fn open(path: &Path) -> Result<HubStore, HubError> {
        Ok(HubStore::Sqlite(SqliteStore::open(path)?))
    }

    /// Connects to a PostgreSQL hub database (creating the tables if needed).
    pub fn open_postgres(url: &str) -> Result<HubStore, HubError> {
        Ok(HubStore::Postgres(crate::pg::PgStore::open(url)?))
    }

    pub fn epoch(&mut self) -> Result<u64, HubError> {
        match self {
            HubStore::Sqlite(s) => Ok(s.epoch()),
            HubStore::Postgres(p) => p.epoch(),
        }
    }

    pub fn head(&mut self) -> Result<i64, HubError> {
        match self {
            HubStore::Sqlite(s) => Ok(s.head()),
            HubStore::Postgres(p) => p.head(),
        }
    }

    /// The merged data of the space, up to date with the log.
    pub fn replica(&mut self) -> Result<&Replica, HubError> {
        match self {
            HubStore::Sqlite(s) => {
                s.catch_up()?;
                Ok(s.replica())
            }
            HubStore::Postgres(p) => p.replica(),
        }
    }

    pub fn new_epoch(&mut self, now_ms: u64) -> Result<u64, HubError> {
        match self {
            HubStore::Sqlite(s) => s.new_epoch(now_ms),
            HubStore::Postgres(p) => p.new_epoch(now_ms),
        }
    }

    pub fn enrol(&mut self, site_id: &str, name: &str, now: &str) -> Result<String, HubError> {
        match self {
            HubStore::Sqlite(s) => s.enrol(site_id, name, now),
            HubStore::Postgres(p) => p.enrol(site_id, name, now),
        }
    }

    pub fn site_for_token(&mut self, token: &str) -> Result<Option<String>, HubError> {
        match self {
            HubStore::Sqlite(s) => s.site_for_token(token),
            HubStore::Postgres(p) => p.site_for_token(token),
        }
    }

    pub fn status(&mut self, site_id: &str) -> Result<Status, HubError> {
        match self {
            HubStore::Sqlite(s) => {
                s.catch_up()?;
                s.status(site_id)
            }
            HubStore::Postgres(p) => p.status(site_id),
        }
    }

    pub fn push(&mut self, req: &PushRequest) -> Result<PushReply, HubError> {
        match self {
            HubStore::Sqlite(s) => s.push(req),
            HubStore::Postgres(p) => p.push(req),
        }
    }

    pub fn pull(&mut self, after: i64, limit: u32) -> Result<PullReply, HubError> {
        match self {
            HubStore::Sqlite(s) => {
                s.catch_up()?;
                s.pull(after, limit)
            }
            HubStore::Postgres(p) => p.pull(after, limit),
        }
    }

    /// The merged data at the head with its epoch and `server_seq`, read consistently (one
    /// transaction on PostgreSQL; under the one connection's lock on SQLite, where this process
    /// is the only writer of the log): `GET /v1/snapshot`.
    pub fn snapshot(&mut self) -> Result<Snapshot, HubError> {
        match self {
            HubStore::Sqlite(s) => {
                // Entries another process logged (the province's) belong in the snapshot too.
                s.catch_up()?;
                Ok(s.replica.snapshot_at(s.epoch, s.head))
            }
            HubStore::Postgres(p) => p.snapshot(),
        }
    }

    /// Records that `site_id` asked for the log after `after`: it holds everything up to there
    /// (the retention rule's acknowledgement).
    pub fn note_pulled(&mut self, site_id: &str, after: i64) -> Result<(), HubError> {
        match self {
            HubStore::Sqlite(s) => s.note_pulled(site_id, after),
            HubStore::Postgres(p) => p.note_pulled(site_id, after),
        }
    }

    /// The enrolled desks (`cmedesk-hub admin desks`).
    pub fn desks(&mut self) -> Result<Vec<DeskInfo>, HubError> {
        match self {
            HubStore::Sqlite(s) => s.desks(),
            HubStore::Postgres(p) => p.desks(),
        }
    }

    /// Revokes a desk's token: its requests are refused until a token is re-issued.
    pub fn revoke(&mut self, site_id: &str, now: &str) -> Result<(), HubError> {
        match self {
            HubStore::Sqlite(s) => s.revoke(site_id, now),
            HubStore::Postgres(p) => p.revoke(site_id, now),
        }
    }

    /// Issues a new token for an enrolled desk (the old one stops working); shown once.
    pub fn reissue(&mut self, site_id: &str) -> Result<String, HubError> {
        let token = new_token();
        match self {
            HubStore::Sqlite(s) => s.set_token(site_id, &token)?,
            HubStore::Postgres(p) => p.set_token(site_id, &token)?,
        }
        Ok(token)
    }

    /// Epoch, head and retention state of the log (`cmedesk-hub admin log`).
    pub fn log_info(&mut self) -> Result<LogInfo, HubError> {
        match self {
            HubStore::Sqlite(s) => s.log_info(),
            HubStore::Postgres(p) => p.log_info(),
        }
    }

    /// Prunes the log entries every known desk has pulled and that are older than `keep_days`
    /// (see [`crate::retention`]); `dry_run` reports without deleting.
    pub fn prune(&mut self, now_ms: i64, keep_days: i64, dry_run: bool) -> Result<PruneReport, HubError> {
        match self {
            HubStore::Sqlite(s) => s.prune(now_ms, keep_days, dry_run),
            HubStore::Postgres(p) => p.prune(now_ms, keep_days, dry_run),
        }
    }
}

/// A fresh desk token: 256 random bits as hex.
pub(crate) fn new_token() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// A value no token hashes to: a revoked desk's row keeps its history but matches no request.
pub(crate) fn revoked_marker(site_id: &str) -> String {
    format!("revoked:{site_id}:{}", uuid::Uuid::new_v4().simple())
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// The SQLite hub database.
/// How long a hub process waits for another's transaction before giving up.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct SqliteStore {
    conn: Connection,
    replica: Replica,
    epoch: u64,
    head: i64,
    /// Log entries up to here were pruned; the merged data starts from the base stored with it.
    pruned_through: i64,
}

impl SqliteStore {
    /// Opens (creating if needed) the hub database and rebuilds the merged data from the log.
    ///
    /// Several processes may open a new file at once (`cmedesk-hub admin` run in parallel, a
    /// second server). SQLite waits for a lock through the busy timeout almost everywhere, but a
    /// few steps of the very first opens — switching a fresh file to WAL, building the WAL index
    /// another process is building too — answer "database is locked" at once; those are tried
    /// again, for as long as the busy timeout would have waited.
    pub fn open(path: &Path) -> Result<SqliteStore, HubError> {
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match SqliteStore::open_once(path) {
                Err(HubError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy
                        && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                opened => return opened,
            }
        }
    }

    fn open_once(path: &Path) -> Result<SqliteStore, HubError> {
        let conn = Connection::open(path)?;
        // Other processes write the file too (`cmedesk-hub admin`, a second server): wait for
        // their short transactions instead of failing with "database is locked".
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // One writer at a time from the start: two processes opening a new file must not both
        // decide a column is missing (check, then add) or upgrade a read to a write (busy).
        let tx = Transaction::new_unchecked(&conn, TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        for (table, column, decl) in ADDED_COLUMNS {
            let has: bool = tx.query_row(
                &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1)"),
                [column],
                |r| r.get(0),
            )?;
            if !has {
                tx.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
            }
        }
        tx.execute("INSERT OR IGNORE INTO hub_meta(key, value) VALUES ('epoch', '1')", [])?;
        tx.commit()?;
        let mut store = SqliteStore { conn, replica: Replica::new(), epoch: 0, head: 0, pruned_through: 0 };
        store.reload()?;
        Ok(store)
    }

    fn reload(&mut self) -> Result<(), HubError> {
        let epoch: String =
            self.conn.query_row("SELECT value FROM hub_meta WHERE key = 'epoch'", [], |r| r.get(0))?;
        self.epoch = epoch.parse().map_err(|_| HubError::Corrupt(format!("epoch {epoch:?}")))?;
        let (pruned_through, base) = retention::read_base(
            self.conn
                .query_row("SELECT value FROM hub_meta WHERE key = 'pruned_through'", [], |r| r.get(0))
                .optional()?,
            self.conn
                .query_row("SELECT value FROM hub_meta WHERE key = 'base'", [], |r| r.get(0))
                .optional()?,
        )?;
        let mut replica = base;
        let mut head = pruned_through;
        self.pruned_through = pruned_through;
        let mut stmt = self.conn.prepare("SELECT server_seq, op FROM log ORDER BY server_seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            if seq != head + 1 {
                return Err(HubError::Corrupt(format!("log jumps from {head} to {seq}")));
            }
            let text: String = row.get(1)?;
            let op: Op = serde_json::from_str(&text)
                .map_err(|e| HubError::Corrupt(format!("log entry {seq}: {e}")))?;
            replica.apply(&op);
            head = seq;
        }
        drop(rows);
        drop(stmt);
        self.replica = replica;
        self.head = head;
        Ok(())
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    pub fn head(&self) -> i64 {
        self.head
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Starts a new epoch, after the database file was restored from a backup: desks then re-push
    /// what this copy lost. The epoch is at least `now_ms`, so it exceeds any epoch issued before
    /// the backup was taken, whichever copy is restored.
    pub fn new_epoch(&mut self, now_ms: u64) -> Result<u64, HubError> {
        let next = (self.epoch + 1).max(now_ms);
        self.conn.execute("UPDATE hub_meta SET value = ?1 WHERE key = 'epoch'", [next.to_string()])?;
        self.epoch = next;
        Ok(next)
    }

    /// Enrols a desk and returns its token (shown once; only its SHA-256 is stored).
    pub fn enrol(&mut self, site_id: &str, name: &str, now: &str) -> Result<String, HubError> {
        let token = new_token();
        let done = self.conn.execute(
            "INSERT OR IGNORE INTO sites(site_id, name, token_sha256, enrolled_at) VALUES (?1, ?2, ?3, ?4)",
            params![site_id, name, token_hash(&token), now],
        )?;
        if done == 0 {
            return Err(HubError::AlreadyEnrolled(site_id.to_string()));
        }
        Ok(token)
    }

    /// The site a token belongs to.
    pub fn site_for_token(&self, token: &str) -> Result<Option<String>, HubError> {
        Ok(self
            .conn
            .prepare_cached("SELECT site_id FROM sites WHERE token_sha256 = ?1")?
            .query_row([token_hash(token)], |r| r.get(0))
            .optional()?)
    }

    pub fn status(&self, site_id: &str) -> Result<Status, HubError> {
        let (acked_through, quarantined): (i64, Option<i64>) = self
            .conn
            .query_row("SELECT acked_through, quarantined_at FROM sites WHERE site_id = ?1", [site_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .unwrap_or((0, None));
        Ok(Status {
            epoch: self.epoch,
            head: self.head,
            acked_through,
            quarantined: quarantined.is_some(),
            state_hash: self.replica.canonical_hash(),
        })
    }

    /// Settles a push from an enrolled site (the caller checked the token matches `req.site_id`).
    pub fn push(&mut self, req: &PushRequest) -> Result<PushReply, HubError> {
        match self.push_tx(req) {
            Ok(reply) => Ok(reply),
            Err(e) => {
                // The merged data may hold ops whose transaction rolled back: rebuild it.
                self.reload()?;
                Err(e)
            }
        }
    }

    fn push_tx(&mut self, req: &PushRequest) -> Result<PushReply, HubError> {
        let epoch = self.epoch;
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        catch_up_in(&tx, &mut self.replica, &mut self.head)?;
        let (mut acked, quarantined): (i64, Option<i64>) = tx.query_row(
            "SELECT acked_through, quarantined_at FROM sites WHERE site_id = ?1",
            [&req.site_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if let Some(site_seq) = quarantined {
            return Ok(PushReply::Quarantined { epoch, site_seq });
        }
        let mut head = self.head;
        let mut results = Vec::with_capacity(req.ops.len());
        let mut gap = None;
        let mut mismatch = None;
        {
            let mut known_stmt = tx.prepare_cached(
                "SELECT op_id, hash, result FROM site_ops WHERE site_id = ?1 AND site_seq = ?2",
            )?;
            let mut settled_stmt = tx.prepare_cached(
                "INSERT INTO site_ops(site_id, site_seq, op_id, hash, result) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut log_stmt =
                tx.prepare_cached("INSERT INTO log(server_seq, op, logged_at) VALUES (?1, ?2, ?3)")?;
            let logged_at = now_ms();
            for op in &req.ops {
                if op.site_id != req.site_id {
                    mismatch = Some(op.site_seq);
                    break;
                }
                let known: Option<(String, String, String)> = if op.site_seq <= acked {
                    known_stmt
                        .query_row(params![req.site_id, op.site_seq], |r| {
                            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                        })
                        .optional()?
                } else {
                    None
                };
                let known_ref = known.as_ref().map(|(i, h, _)| (i.as_str(), h.as_str()));
                match decide(acked, known_ref, op) {
                    PushDecision::Replay => {
                        let Some((_, _, stored)) = known else {
                            return Err(HubError::Corrupt("replay without a stored result".into()));
                        };
                        let mut result: OpResult =
                            serde_json::from_str(&stored).map_err(|e| HubError::Corrupt(e.to_string()))?;
                        result.replay = true;
                        results.push(result);
                    }
                    PushDecision::Apply => {
                        let (outcome, logged) = settle(&mut self.replica, head, op);
                        if logged {
                            head += 1;
                            let text =
                                serde_json::to_string(op).map_err(|e| HubError::Corrupt(e.to_string()))?;
                            log_stmt.execute(params![head, text, logged_at])?;
                        }
                        let result = OpResult {
                            site_seq: op.site_seq,
                            op_id: op.op_id.clone(),
                            outcome,
                            replay: false,
                        };
                        let stored =
                            serde_json::to_string(&result).map_err(|e| HubError::Corrupt(e.to_string()))?;
                        settled_stmt.execute(params![
                            req.site_id,
                            op.site_seq,
                            op.op_id,
                            op.hash(),
                            stored
                        ])?;
                        acked = op.site_seq;
                        results.push(result);
                    }
                    PushDecision::Gap { expected } => {
                        gap = Some(expected);
                        break;
                    }
                    PushDecision::Mismatch => {
                        mismatch = Some(op.site_seq);
                        break;
                    }
                }
            }
        }
        if let Some(site_seq) = mismatch {
            // Two databases claim this site: stop taking its ops until an administrator looks.
            // (Ops settled earlier in the batch stay settled, as in `MemoryHub`.)
            tx.execute(
                "UPDATE sites SET quarantined_at = ?2, acked_through = ?3 WHERE site_id = ?1",
                params![req.site_id, site_seq, acked],
            )?;
            tx.commit()?;
            self.head = head;
            return Ok(PushReply::Quarantined { epoch, site_seq });
        }
        tx.execute("UPDATE sites SET acked_through = ?2 WHERE site_id = ?1", params![req.site_id, acked])?;
        tx.commit()?;
        self.head = head;
        match gap {
            Some(expected) if results.is_empty() => Ok(PushReply::Gap { epoch, expected }),
            _ => Ok(PushReply::Accepted { epoch, acked_through: acked, results }),
        }
    }

    /// The consecutive log entries after `after`, at most `limit`; a cursor before the pruned
    /// part of the log cannot be continued ([`HubError::ResyncNeeded`]).
    pub fn pull(&self, after: i64, limit: u32) -> Result<PullReply, HubError> {
        // Read from the file, not the field: `cmedesk-hub admin prune` runs as its own process.
        let pruned: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM hub_meta WHERE key = 'pruned_through'")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let pruned_through = pruned.and_then(|t| t.parse::<i64>().ok()).unwrap_or(0);
        if after < pruned_through {
            return Err(HubError::ResyncNeeded { after, pruned_through });
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT server_seq, op FROM log WHERE server_seq > ?1 ORDER BY server_seq LIMIT ?2",
        )?;
        let entries = stmt
            .query_map(params![after, limit], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .map(|row| {
                let (server_seq, text) = row?;
                let op = serde_json::from_str(&text)
                    .map_err(|e| HubError::Corrupt(format!("log entry {server_seq}: {e}")))?;
                Ok(LogEntry { server_seq, op })
            })
            .collect::<Result<Vec<_>, HubError>>()?;
        Ok(PullReply { epoch: self.epoch, entries, head: self.head })
    }
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl SqliteStore {
    pub fn note_pulled(&self, site_id: &str, after: i64) -> Result<(), HubError> {
        // Written only when the cursor moved: a pull that finds nothing new writes nothing.
        self.conn
            .prepare_cached(
                "UPDATE sites SET pulled_through = ?2 WHERE site_id = ?1 AND pulled_through < ?2",
            )?
            .execute(params![site_id, after])?;
        Ok(())
    }

    pub fn desks(&self) -> Result<Vec<DeskInfo>, HubError> {
        let mut stmt = self.conn.prepare(
            "SELECT site_id, name, enrolled_at, acked_through, pulled_through, quarantined_at, revoked_at
             FROM sites ORDER BY site_id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeskInfo {
                    site_id: r.get(0)?,
                    name: r.get(1)?,
                    enrolled_at: r.get(2)?,
                    acked_through: r.get(3)?,
                    pulled_through: r.get(4)?,
                    quarantined_at_site_seq: r.get(5)?,
                    revoked_at: r.get(6)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn revoke(&self, site_id: &str, now: &str) -> Result<(), HubError> {
        let done = self.conn.execute(
            "UPDATE sites SET token_sha256 = ?2, revoked_at = ?3 WHERE site_id = ?1",
            params![site_id, revoked_marker(site_id), now],
        )?;
        if done == 0 {
            return Err(HubError::UnknownSite(site_id.into()));
        }
        Ok(())
    }

    pub fn set_token(&self, site_id: &str, token: &str) -> Result<(), HubError> {
        let done = self.conn.execute(
            "UPDATE sites SET token_sha256 = ?2, revoked_at = NULL WHERE site_id = ?1",
            params![site_id, token_hash(token)],
        )?;
        if done == 0 {
            return Err(HubError::UnknownSite(site_id.into()));
        }
        Ok(())
    }

    pub fn log_info(&self) -> Result<LogInfo, HubError> {
        let (entries, oldest): (i64, Option<i64>) =
            self.conn
                .query_row("SELECT COUNT(*), MIN(logged_at) FROM log", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(LogInfo {
            epoch: self.epoch,
            head: self.head,
            pruned_through: self.pruned_through,
            entries,
            oldest_logged_at_ms: oldest,
        })
    }

    pub fn prune(&mut self, now_ms: i64, keep_days: i64, dry_run: bool) -> Result<PruneReport, HubError> {
        let started = std::time::Instant::now();
        let cutoff = retention::cutoff_ms(now_ms, keep_days);
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process (the server) may have logged more since this one opened the file: the
        // base must hold every entry the prune removes.
        {
            let mut stmt =
                tx.prepare("SELECT server_seq, op FROM log WHERE server_seq > ?1 ORDER BY server_seq")?;
            let mut rows = stmt.query([self.head])?;
            while let Some(row) = rows.next()? {
                let seq: i64 = row.get(0)?;
                let text: String = row.get(1)?;
                let op: Op = serde_json::from_str(&text)
                    .map_err(|e| HubError::Corrupt(format!("log entry {seq}: {e}")))?;
                self.replica.apply(&op);
                self.head = seq;
            }
        }
        let (desks, min_pulled): (i64, Option<i64>) = tx.query_row(
            "SELECT COUNT(*), MIN(pulled_through) FROM sites WHERE revoked_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let first_young: Option<i64> =
            tx.query_row("SELECT MIN(server_seq) FROM log WHERE logged_at > ?1", [cutoff], |r| r.get(0))?;
        let mut report = retention::plan(
            self.pruned_through,
            self.head,
            desks,
            min_pulled.unwrap_or(0),
            first_young,
            cutoff,
            dry_run,
        );
        if !dry_run && report.pruned > 0 {
            let base = serde_json::to_string(&self.replica.to_snapshot())
                .map_err(|e| HubError::Corrupt(e.to_string()))?;
            tx.execute("DELETE FROM log WHERE server_seq <= ?1", [report.through])?;
            for (key, value) in [("pruned_through", report.through.to_string()), ("base", base)] {
                tx.execute(
                    "INSERT INTO hub_meta(key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?;
            }
            tx.commit()?;
            self.pruned_through = report.through;
        }
        report.millis = started.elapsed().as_millis() as u64;
        Ok(report)
    }
}

/// Merges log entries after `head` that another process wrote (`cmedesk-hub admin`'s provincial
/// ops, or a second server on the same file) into the merged data, so `server_seq`s stay gapless
/// and the head and data hash this process reports are the file's.
fn catch_up_in(conn: &Connection, replica: &mut Replica, head: &mut i64) -> Result<(), HubError> {
    let mut stmt =
        conn.prepare_cached("SELECT server_seq, op FROM log WHERE server_seq > ?1 ORDER BY server_seq")?;
    let mut rows = stmt.query([*head])?;
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        if seq != *head + 1 {
            return Err(HubError::Corrupt(format!("log jumps from {head} to {seq}")));
        }
        let text: String = row.get(1)?;
        let op: Op =
            serde_json::from_str(&text).map_err(|e| HubError::Corrupt(format!("log entry {seq}: {e}")))?;
        replica.apply(&op);
        *head = seq;
    }
    Ok(())
}

impl SqliteStore {
    /// See [`catch_up_in`].
    pub fn catch_up(&mut self) -> Result<(), HubError> {
        catch_up_in(&self.conn, &mut self.replica, &mut self.head)
    }
}

impl SqliteStore {
    /// The hub file's connection, for tables kept beside the log ([`crate::submissions`]).
    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}
