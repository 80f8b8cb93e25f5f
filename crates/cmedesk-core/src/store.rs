//! The desk database: opening and migrating the SQLite file, and [`Desk::change`], the one door
//! every mutation goes through (domain rows + audit log + outbox in one transaction).

use std::{
    path::{Path, PathBuf},
    sync::mpsc,
    thread::JoinHandle,
};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{
    actor::Actor,
    audit_log,
    db_key::{self, DataKey, KeyLine, Unlock},
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
    /// The file, and the data key it was opened with (none: in memory, or a plaintext desk from
    /// before encryption, see `cmedesk encrypt`).
    path: Option<PathBuf>,
    key: Option<(DataKey, KeyLine)>,
    /// What unlocked it: also unlocks backups whose key line is wrapped with the same passphrase.
    unlock: Unlock,
}

/// How SQLCipher enciphers a file's pages. None of it is stored in the file, so it is named on
/// every keyed open ([`open_keyed`] tries each profile desks were ever made with), on every
/// attach (rekey) and on every backup copy; a file keeps the profile it was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CipherProfile {
    /// Bytes per page.
    pub page_size: u32,
    /// The page MAC, as SQLCipher names it.
    pub hmac: &'static str,
}

/// The profile of every encrypted file made now (desks, and backups and rekeyed copies of them):
/// - 16 KiB pages instead of SQLCipher's 4 KiB. Each page written costs a random IV, an AES pass
///   and an HMAC with fixed set-up costs, and 4 KiB pages make the b-trees four times as many
///   pages to find, split and encrypt: a 100,000-staff insert paid ≈ 45% more CPU than on a
///   plaintext desk.
/// - HMAC-SHA256 instead of SQLCipher's HMAC-SHA512: the CPUs this runs on hash SHA-256 in
///   hardware (SHA extensions) at about twice SHA-512's speed (1.79 vs 0.86 GB/s, `openssl
///   speed`); the page MAC was a tenth of a 100,000-staff insert, and a 256-bit tag is ample
///   for detecting a changed page.
pub const CIPHER: CipherProfile = CipherProfile { page_size: 16384, hmac: "HMAC_SHA256" };

/// Every profile desks were ever made with, newest first: [`CIPHER`], then 16 KiB pages with
/// SQLCipher's HMAC-SHA512 (sessions 5 to 7), then SQLCipher's defaults (session 4).
const CIPHERS: [CipherProfile; 3] = [
    CIPHER,
    CipherProfile { page_size: 16384, hmac: "HMAC_SHA512" },
    CipherProfile { page_size: 4096, hmac: "HMAC_SHA512" },
];

/// Opens the SQLite file at `path`, keyed when it is encrypted: a plaintext file (SQLite's magic
/// header) opens as is; otherwise each line of `<path>.key` is tried, current first. Refusals
/// carry stable codes (`DB_KEY_MISSING`, `DB_KEY_WRONG`, `DB_PASSPHRASE_*`), never SQLite's bare
/// "file is not a database". Every connection to a desk or backup file is made here.
pub fn open_connection(
    path: &Path,
    flags: OpenFlags,
    unlock: &Unlock,
) -> Result<(Connection, Option<(DataKey, KeyLine)>)> {
    if let Some(conn) = plaintext_connection(path, flags) {
        return Ok((conn, None));
    }
    let key_file = db_key::key_path(path);
    if !key_file.exists() {
        // An encrypted file is whole pages (4 or 16 KiB); anything else is simply not a
        // database of ours.
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if len == 0 || !len.is_multiple_of(1024) {
            return Err(CoreError::NotADeskDatabase { path: path.display().to_string() });
        }
    }
    let lines = db_key::read_lines(&key_file)?;
    let mut first_err = None;
    for line in lines {
        let key = match line.open(unlock, &key_file) {
            Ok(k) => k,
            Err(e) => {
                first_err.get_or_insert(e);
                continue;
            }
        };
        if let Ok(conn) = open_keyed(path, flags, &key) {
            return Ok((conn, Some((key, line))));
        }
    }
    Err(first_err.unwrap_or_else(|| db_key::key_error("DB_KEY_WRONG", &key_file)))
}

/// A connection to `path` when it is a plaintext SQLite file: one that reads without a key.
///
/// Asked through SQLite, never by reading the file's first bytes with `std::fs`: closing any file
/// descriptor of a file drops every POSIX lock this process holds on it (fcntl semantics), and
/// SQLite's unix VFS only avoids that for descriptors it opened itself. A desk opened a second
/// time in a process that already had it open (the app's 立即同步 round) used to read the header
/// with `std::fs::File`, which silently released the app connection's SHARED lock on the
/// database; the next other process to close the desk (a `cmedesk` command) then got the
/// EXCLUSIVE lock, took itself for the last connection, checkpointed what it could and deleted
/// the WAL, and every later commit of the app went into the unlinked WAL and was gone after a
/// restart (see `tests/second_open.rs`).
fn plaintext_connection(path: &Path, flags: OpenFlags) -> Option<Connection> {
    let conn = Connection::open_with_flags(path, flags).ok()?;
    // An encrypted file (random bytes where SQLite's header would be) fails here with
    // SQLITE_NOTADB; an empty file reads as an empty database and is refused by the caller.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())).ok()?;
    Some(conn)
}

/// A read-write connection to the desk or backup file at `path`, unlocked from its key file and
/// `CMEDESK_DB_PASSPHRASE`: for tools and tests that look at the raw tables.
pub fn connect(path: &Path) -> Result<Connection> {
    Ok(open_connection(path, OpenFlags::SQLITE_OPEN_READ_WRITE, &Unlock::from_env())?.0)
}

/// Opens the encrypted file at `path` under `key`, with whichever [`CipherProfile`] it was
/// written with (SQLCipher checks the first page's MAC on the first read). Each try gets a fresh
/// connection.
pub(crate) fn open_keyed(path: &Path, flags: OpenFlags, key: &DataKey) -> Result<Connection> {
    let mut last = None;
    for profile in CIPHERS {
        let conn = Connection::open_with_flags(path, flags)?;
        key_with(&conn, "main", key, profile)?;
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(())) {
            Ok(()) => return Ok(conn),
            Err(e) => last = Some(e),
        }
    }
    Err(last.map(CoreError::from).unwrap_or_else(|| CoreError::Corrupt("no cipher profile tried".into())))
}

/// Keys a new, empty file (a new desk): the [`CIPHER`] profile.
pub(crate) fn key_new_file(conn: &Connection, key: &DataKey) -> Result<()> {
    key_with(conn, "main", key, CIPHER)?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    Ok(())
}

/// `PRAGMA key` plus the cipher settings for schema `db` of `conn`; nothing is read yet.
pub(crate) fn key_with(conn: &Connection, db: &str, key: &DataKey, profile: CipherProfile) -> Result<()> {
    // A wrong key is our refusal to report (DB_KEY_WRONG), not SQLCipher's lines on stderr.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    conn.execute_batch(&format!("PRAGMA {db}.key = {};", key.sql_literal()))?;
    name_profile(conn, db, profile)
}

/// Names `profile` for schema `db` of `conn`, keyed but not read yet (an open, an attach).
pub(crate) fn name_profile(conn: &Connection, db: &str, profile: CipherProfile) -> Result<()> {
    let CipherProfile { page_size, hmac } = profile;
    conn.execute_batch(&format!(
        "PRAGMA {db}.cipher_page_size = {page_size}; PRAGMA {db}.cipher_hmac_algorithm = {hmac};"
    ))?;
    Ok(())
}

/// The cipher profile `conn`'s main database was opened with (none: not encrypted).
pub(crate) fn cipher_profile(conn: &Connection) -> Option<CipherProfile> {
    // SQLCipher answers its pragmas as text.
    let pragma = |name: &str| -> Option<String> {
        conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).ok().flatten()
    };
    let page_size: u32 = pragma("cipher_page_size")?.parse().ok()?;
    let hmac = pragma("cipher_hmac_algorithm")?;
    CIPHERS.into_iter().find(|p| p.page_size == page_size && p.hmac == hmac)
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
    fn start(path: &Path, key: Option<&DataKey>) -> Result<Checkpointer> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE;
        let conn = match key {
            Some(key) => open_keyed(path, flags, key)?,
            None => Connection::open_with_flags(path, flags)?,
        };
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
    /// Creates a new encrypted desk database at `path` (which must not exist yet) with a new
    /// data key in `<path>.key`, wrapped with `CMEDESK_DB_PASSPHRASE` when that is set, and
    /// mints its site id.
    pub fn create(path: &Path) -> Result<Desk> {
        Desk::create_with(path, &Unlock::from_env(), true)
    }

    /// [`Desk::create`] with the passphrase given (none: the key file holds the key unwrapped);
    /// `encrypted = false` makes a plaintext desk (only for measuring what encryption costs).
    pub fn create_with(path: &Path, unlock: &Unlock, encrypted: bool) -> Result<Desk> {
        if path.exists() {
            return Err(CoreError::Duplicate {
                entity: "database",
                entity_zh: "数据库文件",
                field: "db",
                key: path.display().to_string(),
            });
        }
        let conn = Connection::open(path)?;
        if !encrypted {
            // 16 KiB pages (SQLite's default is 4 KiB): a quarter of the b-tree pages to find,
            // split and write for the same rows. Only an empty file takes a page size; an
            // encrypted one takes SQLCipher's `cipher_page_size` (the same 16 KiB) when keyed.
            conn.pragma_update(None, "page_size", 16384)?;
        }
        let key = if encrypted {
            let key = DataKey::random()?;
            // Without a reachable keyring the key stays in the key file; the shell says so
            // (`protection()` is then not `Keyring` although `unlock.keyring` asked for it).
            let (line, _unavailable) = KeyLine::seal_for(&key, unlock)?;
            db_key::write_lines(&db_key::key_path(path), std::slice::from_ref(&line))?;
            key_new_file(&conn, &key)?;
            Some((key, line))
        } else {
            None
        };
        Desk::init(conn, Some(path), key, unlock)
    }

    /// Opens an existing desk database, applying newer migrations; refuses a newer schema. An
    /// encrypted desk is unlocked from `<path>.key` and `CMEDESK_DB_PASSPHRASE`.
    pub fn open(path: &Path) -> Result<Desk> {
        Desk::open_with(path, &Unlock::from_env())
    }

    /// [`Desk::open`] with the passphrase given (a prompt's answer, the unlock page's field).
    pub fn open_with(path: &Path, unlock: &Unlock) -> Result<Desk> {
        if !path.exists() {
            return Err(CoreError::NotFound {
                entity: "database",
                entity_zh: "数据库文件",
                key: path.display().to_string(),
            });
        }
        let (conn, key) = open_connection(path, OpenFlags::SQLITE_OPEN_READ_WRITE, unlock)?;
        let not_desk = || CoreError::NotADeskDatabase { path: path.display().to_string() };
        let has_meta: Option<String> = conn
            .query_row("SELECT name FROM sqlite_master WHERE name = 'desk_meta'", [], |r| r.get(0))
            .optional()
            .map_err(|_| not_desk())?;
        if has_meta.is_none() {
            return Err(not_desk());
        }
        Desk::init(conn, Some(path), key, unlock)
    }

    /// A second connection to this desk's file for work off the owner's thread (a sync round):
    /// opened through SQLite with the key already known, so it neither reads the file by hand
    /// (see [`plaintext_connection`]) nor runs the start-up steps again (migrations, site id),
    /// and without a checkpointer of its own: checkpoints stay with the owner, one per file.
    pub fn sibling(&self) -> Result<Desk> {
        let path = self.path.as_deref().ok_or_else(|| {
            CoreError::Corrupt("an in-memory desk has no file to open a second connection to".into())
        })?;
        let conn = match &self.key {
            Some((key, _)) => open_keyed(path, OpenFlags::SQLITE_OPEN_READ_WRITE, key)?,
            None => Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?,
        };
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        Ok(Desk {
            conn,
            site_id: self.site_id.clone(),
            ids: uuid::ContextV7::new(),
            checkpointer: None,
            path: self.path.clone(),
            key: self.key.clone(),
            unlock: self.unlock.clone(),
        })
    }

    /// A throwaway database for tests and benchmarks.
    pub fn open_in_memory() -> Result<Desk> {
        Desk::init(Connection::open_in_memory()?, None, None, &Unlock::default())
    }

    fn init(
        mut conn: Connection,
        path: Option<&Path>,
        key: Option<(DataKey, KeyLine)>,
        unlock: &Unlock,
    ) -> Result<Desk> {
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
            Some(path) => Some(Checkpointer::start(path, key.as_ref().map(|(k, _)| k))?),
            None => None,
        };
        Ok(Desk {
            conn,
            site_id,
            ids: uuid::ContextV7::new(),
            checkpointer,
            path: path.map(Path::to_path_buf),
            key,
            unlock: unlock.clone(),
        })
    }

    /// The file this desk lives in (none in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether the desk's file is encrypted, and how its key is kept.
    pub fn protection(&self) -> Option<db_key::Protection> {
        self.key.as_ref().map(|(_, line)| line.protection())
    }

    pub(crate) fn key(&self) -> Option<&(DataKey, KeyLine)> {
        self.key.as_ref()
    }

    /// After the key file was rewritten around the same data key (moved into or out of the OS
    /// keyring): the line later backups copy beside them.
    pub(crate) fn set_key_line(&mut self, line: KeyLine) {
        if let Some((_, l)) = &mut self.key {
            *l = line;
        }
    }

    /// The passphrase (if any) this desk was unlocked with.
    pub fn unlock(&self) -> &Unlock {
        &self.unlock
    }

    /// Overwrites this database with the contents of `backup` (SQLite's backup API, page by page),
    /// the backup unlocked from its own key file (it may predate a rekey).
    pub(crate) fn restore_from(&mut self, backup: &Path) -> Result<()> {
        let (src, converted) = self.pages_to_restore(backup)?;
        {
            let copy = rusqlite::backup::Backup::new(&src, &mut self.conn)?;
            copy.run_to_completion(1024, std::time::Duration::from_millis(0), None)?;
        }
        // Closed before a converted copy is removed (Windows keeps an open file).
        drop(src);
        drop(converted);
        // A backup from an older version is brought up to this one.
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut self.conn)
    }

    /// A connection to the pages a restore copies into this desk: the backup itself, or, when
    /// it was made with another cipher profile, a converted copy. SQLite's backup API copies pages
    /// only between files of one page layout (page size, and the bytes each page reserves for its
    /// MAC); a new install restoring the old computer's backup (HMAC-SHA512, or 4 KiB pages) gets
    /// the backup exported first into a file next to the desk with the desk's key and profile.
    fn pages_to_restore(&self, backup: &Path) -> Result<(Connection, Option<TempFile>)> {
        let (src, src_key) = open_connection(backup, OpenFlags::SQLITE_OPEN_READ_ONLY, &self.unlock)?;
        let (Some((desk_key, _)), Some((src_key, _)), Some(profile), Some(desk_path)) =
            (&self.key, src_key, cipher_profile(&self.conn), &self.path)
        else {
            return Ok((src, None));
        };
        if cipher_profile(&src) == Some(profile) {
            return Ok((src, None));
        }
        drop(src);
        // sqlcipher_export needs a writable connection; the backup itself is never opened for
        // writing, so its pages are read from a copy.
        let readable = TempFile(sibling(desk_path, ".restore-source.part"));
        std::fs::copy(backup, &readable.0)
            .map_err(|e| CoreError::Corrupt(format!("copying {}: {e}", backup.display())))?;
        let converted = TempFile(sibling(desk_path, ".restore.part"));
        let _ = std::fs::remove_file(&converted.0);
        let conn = open_keyed(&readable.0, OpenFlags::SQLITE_OPEN_READ_WRITE, &src_key)?;
        crate::rekey::export(&conn, &converted.0, desk_key, profile)?;
        drop(conn);
        drop(readable);
        Ok((open_keyed(&converted.0, OpenFlags::SQLITE_OPEN_READ_ONLY, desk_key)?, Some(converted)))
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

    /// Gives the page cache back to the allocator (`PRAGMA shrink_memory`). The cache is large
    /// (64 MiB) so bulk loads stay fast, and it stays full after them or after a long scan; a
    /// long-running process (the desktop app) calls this when it goes quiet. Later reads come
    /// from the operating system's file cache, so the cost is a little decryption, not disk.
    pub fn release_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }

    /// Lowers the page cache to [`SCAN_CACHE_KIB`] while the returned guard lives, then puts
    /// the bulk-load size back and releases what the pass cached. A pass that reads each page
    /// about once (a whole-hospital booklet batch reads most of a 240 MB file) gains nothing
    /// from a 64 MiB cache but would fill it: 64 MiB of peak memory for no speed.
    pub fn scan_cache(&self) -> Result<ScanCache<'_>> {
        let previous: i64 = self.conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        self.conn.pragma_update(None, "cache_size", -SCAN_CACHE_KIB)?;
        Ok(ScanCache { conn: &self.conn, previous })
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

/// Page cache of a read-once pass, in KiB (see [`Desk::scan_cache`]): the default SQLite
/// cache, enough for the B-tree interior pages every lookup walks.
pub const SCAN_CACHE_KIB: i64 = 2048;

/// While alive, the desk's page cache is [`SCAN_CACHE_KIB`]; dropping it restores the
/// previous size and gives the scan's pages back.
#[must_use = "the smaller cache lasts only while the guard lives"]
pub struct ScanCache<'d> {
    conn: &'d Connection,
    previous: i64,
}

impl Drop for ScanCache<'_> {
    fn drop(&mut self) {
        // Best effort: a failure here leaves a smaller cache, never wrong data.
        let _ = self.conn.pragma_update(None, "cache_size", self.previous);
        let _ = self.conn.execute_batch("PRAGMA shrink_memory");
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

/// A working file removed when dropped (with its WAL and shared-memory files).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(sibling(&self.0, suffix));
        }
    }
}

/// `path` with `suffix` appended to its file name.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
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
    if (found as usize) >= MIGRATIONS.len() {
        return Ok(());
    }
    // A migration that rebuilds a table others refer to (0009: staff) drops and renames it,
    // which foreign keys would refuse midway; SQLite's documented procedure turns them off
    // (outside any transaction) and checks every reference before the commit instead.
    let foreign_keys: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let applied = apply_migrations(conn, found as usize);
    conn.pragma_update(None, "foreign_keys", foreign_keys)?;
    applied
}

fn apply_migrations(conn: &mut Connection, from: usize) -> Result<()> {
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(from) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        let dangling: Option<String> =
            tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
        if let Some(table) = dangling {
            return Err(CoreError::Corrupt(format!(
                "migration {name} leaves rows of {table} pointing nowhere; rolled back"
            )));
        }
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
        let plain = Desk::create_with(&dir.path().join("p.db"), &Unlock::default(), false).unwrap();
        let page: i64 = plain.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        assert_eq!(page, 16384, "new plaintext desks use 16 KiB pages (issue 2's insert figure)");
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

    fn admin_actor() -> Actor {
        let admin = crate::Operator { role: crate::Role::Admin, ..crate::Operator::system() };
        Actor::new(admin, chrono::DateTime::parse_from_rfc3339("2026-11-22T10:00:00+08:00").unwrap())
    }

    /// The cipher profile a file opens with (`open_keyed` tries the current one, then older).
    fn profile_of(path: &Path) -> CipherProfile {
        cipher_profile(&connect(path).unwrap()).unwrap()
    }

    /// Issue 2: every encrypted file we write has the [`CIPHER`] profile (16 KiB pages,
    /// HMAC-SHA256) — the desk, its backup, a rekeyed copy —, named on every keyed open and
    /// attach, and each opens again with its rows. Desks made before (16 KiB with HMAC-SHA512,
    /// and SQLCipher's defaults) still open, back up, restore and rekey, and keep their profile
    /// so their older backups stay restorable; a new desk restores an older desk's backup (a
    /// converted copy, removed afterwards) and keeps its own profile. SQLCipher's memory wiping
    /// is off.
    #[test]
    fn encrypted_files_use_the_current_cipher_profile_and_older_desks_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let admin = admin_actor();
        let hospital = crate::synthetic::generate(3, 40, admin.today());
        let fill = |desk: &mut Desk| {
            let d = crate::departments::add(
                desk,
                &admin,
                crate::departments::NewDepartment { name: "内科".into(), ..Default::default() },
            )
            .unwrap();
            let people = hospital
                .staff
                .iter()
                .map(|s| crate::staff::NewStaff { department_id: d.id.clone(), ..s.person.clone() });
            crate::staff::add_many(desk, &admin, people.collect()).unwrap();
        };
        let count = |path: &Path| crate::staff::count(&Desk::open(path).unwrap()).unwrap();

        let path = dir.path().join("new.db");
        let mut desk = Desk::create(&path).unwrap();
        let wiping: String =
            desk.conn().query_row("PRAGMA cipher_memory_security", [], |r| r.get(0)).unwrap();
        assert_eq!(wiping, "0", "cipher_memory_security would wipe every buffer SQLCipher frees");
        fill(&mut desk);
        let copy = dir.path().join("new-backup.db");
        crate::backup::create(&desk, &admin, &copy).unwrap();
        let plan = crate::rekey::RekeyPlan { new_data_key: true, passphrase: None };
        let (desk, _) = crate::rekey::rekey(desk, &admin, &plan).unwrap();
        drop(desk);
        for file in [&path, &copy] {
            assert_eq!(profile_of(file), CIPHER, "{file:?}");
        }
        assert_eq!(count(&path), 40);
        assert!(crate::backup::verify(&copy).unwrap().ok);

        // Desks keyed the ways earlier versions made them.
        for (i, legacy) in CIPHERS[1..].iter().copied().enumerate() {
            let old = dir.path().join(format!("old-{i}.db"));
            let key = DataKey::random().unwrap();
            let line = KeyLine::seal(&key, None).unwrap();
            db_key::write_lines(&db_key::key_path(&old), std::slice::from_ref(&line)).unwrap();
            let conn = Connection::open(&old).unwrap();
            key_with(&conn, "main", &key, legacy).unwrap();
            Desk::init(conn, Some(&old), Some((key, line)), &Unlock::default()).unwrap();
            let mut desk = Desk::open(&old).unwrap();
            fill(&mut desk);
            let copy = dir.path().join(format!("old-{i}-backup.db"));
            crate::backup::create(&desk, &admin, &copy).unwrap();
            let (mut desk, _) = crate::rekey::rekey(desk, &admin, &plan).unwrap();
            crate::backup::restore(&mut desk, &admin, &copy).unwrap();
            assert!(crate::audit_log::verify(&desk).unwrap().intact);
            drop(desk);
            for file in [&old, &copy] {
                assert_eq!(profile_of(file), legacy, "{file:?}");
            }
            assert_eq!(count(&old), 40);

            // A new install restores the old desk's backup (a replaced computer).
            let fresh = dir.path().join(format!("fresh-{i}.db"));
            let mut desk = Desk::create(&fresh).unwrap();
            crate::backup::restore(&mut desk, &admin, &copy).unwrap();
            assert!(crate::audit_log::verify(&desk).unwrap().intact);
            assert_eq!(crate::staff::count(&desk).unwrap(), 40);
            drop(desk);
            assert_eq!(count(&fresh), 40);
            assert_eq!(profile_of(&fresh), CIPHER, "the new desk keeps its own profile");
            for working in [".restore.part", ".restore-source.part"] {
                assert!(!sibling(&fresh, working).exists(), "{working} removed");
            }
        }
    }

    /// A plaintext desk file at `path` with every migration before the one named `prefix…`
    /// applied and recorded, as an older version left it (foreign keys on).
    fn migrated_up_to(path: &Path, prefix: &str) -> Connection {
        let before = MIGRATIONS.iter().position(|(n, _)| n.starts_with(prefix)).unwrap();
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON; CREATE TABLE schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL) STRICT",
        )
        .unwrap();
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().take(before) {
            conn.execute_batch(sql).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, ?3)",
                params![i as i64 + 1, name, sha256_hex(sql.as_bytes())],
            )
            .unwrap();
        }
        conn
    }

    /// Migration 0009 rebuilds staff (CHECKs without IN lists): every row and every reference
    /// to it survive, and the rules still hold (statuses, title levels, foreign keys).
    #[test]
    fn migration_9_rebuilds_staff_and_keeps_the_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let conn = migrated_up_to(&path, "0009_");
        conn.execute_batch(
            "INSERT INTO departments(id, name, created_at, updated_at) VALUES ('d1', '内科', 't', 't');
             INSERT INTO staff(id, name, gender, id_number, birth_date, department_id, title_level,
                               status, created_at, updated_at)
             VALUES ('s1', '王芳', 'female', '11010519491231002X', '1949-12-31', 'd1', 'senior',
                     'maternity', 't', 't');
             INSERT INTO cards(card_key, staff_id, issued_at) VALUES ('ic:1234', 's1', 't');",
        )
        .unwrap();
        drop(conn);
        let desk = Desk::open(&path).unwrap();
        let c = desk.conn();
        let row: String = c
            .query_row(
                "SELECT s.name || s.title_level || s.status || c.card_key FROM staff s
                 JOIN cards c ON c.staff_id = s.id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(row, "王芳seniormaternityic:1234");
        let fk: i64 = c.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "foreign keys are back on after the migrations");
        let refused = |sql: &str| c.execute(sql, []).is_err();
        assert!(refused("UPDATE staff SET status = 'retired'"));
        assert!(refused("UPDATE staff SET title_level = 'chief'"));
        assert!(refused("UPDATE staff SET gender = 'x'"));
        assert!(refused("INSERT INTO cards(card_key, staff_id, issued_at) VALUES ('ic:9', 'nobody', 't')"));
        assert!(refused("DELETE FROM staff"), "cards still refer to staff");
        assert!(!refused("UPDATE staff SET title_level = NULL, status = 'transferred_out'"));
        let sql: String =
            c.query_row("SELECT sql FROM sqlite_master WHERE name = 'staff'", [], |r| r.get(0)).unwrap();
        assert!(!sql.contains(" IN ("), "no IN list left in staff's CHECKs: {sql}");
    }

    /// Migration 0010 rebuilds swipes, credits, annual reviews and operators (CHECKs without IN
    /// lists): every row and every reference survive, swipes stay immutable, the rules still
    /// hold, and no CHECK in the schema uses an IN list of three or more values any more.
    #[test]
    fn migration_10_rebuilds_the_remaining_tables_and_keeps_the_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let conn = migrated_up_to(&path, "0010_");
        conn.execute_batch(
            "INSERT INTO departments(id, name, created_at, updated_at) VALUES ('d1', '内科', 't', 't');
             INSERT INTO staff(id, name, gender, id_number, birth_date, department_id, status,
                               created_at, updated_at)
             VALUES ('s1', '王芳', 'female', '11010519491231002X', '1949-12-31', 'd1', 'active', 't', 't');
             INSERT INTO terminals(id, kind, name, created_at, updated_at)
             VALUES ('t1', 'ic-reader', '门口', 't', 't');
             INSERT INTO swipes(id, terminal_id, terminal_seq, source, card_key, staff_id, swiped_at,
                                received_at, status)
             VALUES ('w1', 't1', 1, 'terminal', 'ic:1234', 's1', '2026-05-01T08:00:00+08:00', 't',
                     'accepted');
             INSERT INTO swipes(id, terminal_id, terminal_seq, source, card_key, staff_id, swiped_at,
                                received_at, status, duplicate_of)
             VALUES ('w2', 't1', 2, 'terminal', 'ic:1234', 's1', '2026-05-01T08:00:30+08:00', 't',
                     'duplicate', 'w1');
             INSERT INTO credits(id, staff_id, cme_year, rule_set, activity_date, source,
                                 activity_name, category, class, credits_x100, hours_x100, subject,
                                 issuer, review_status, created_at, updated_at)
             VALUES ('c1', 's1', 2026, 'national-2024', '2026-05-01', 'manual', '病例讨论',
                     'case_discussion', 'II', 250, 300, 'professional', '医院', 'pending', 't', 't');
             INSERT INTO manual_credits(credit_id, form_json, trail_json) VALUES ('c1', '{}', '[]');
             INSERT INTO annual_reviews(staff_id, cme_year, marked_at, marked_by, compliance,
                                        credits_x100, hours_x100)
             VALUES ('s1', 2026, 't', 'admin', 'non_compliant', 250, 300);
             INSERT INTO users(username, display_name, role, department_id, password_hash,
                               created_at, updated_at)
             VALUES ('mishu', '科室秘书', 'department_secretary', 'd1', 'x', 't', 't');",
        )
        .unwrap();
        drop(conn);
        let desk = Desk::open(&path).unwrap();
        let c = desk.conn();
        let swipes: String = c
            .query_row(
                "SELECT group_concat(id || source || status || ifnull(duplicate_of, '-'), ',')
                 FROM (SELECT * FROM swipes ORDER BY id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(swipes, "w1terminalaccepted-,w2terminalduplicatew1");
        let credit: String = c
            .query_row(
                "SELECT cr.source || cr.class || cr.subject || cr.review_status || cr.credits_x100
                 FROM credits cr JOIN manual_credits m ON m.credit_id = cr.id",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(credit, "manualIIprofessionalpending250");
        let refused = |sql: &str| c.execute(sql, []).is_err();
        assert!(refused("UPDATE swipes SET card_key = 'ic:9'"), "swipes stay immutable");
        assert!(refused("DELETE FROM swipes"), "swipes stay immutable");
        let swipe = |id: &str, source: &str, status: &str| {
            format!(
                "INSERT INTO swipes(id, terminal_id, source, card_key, swiped_at, received_at, status)
                 VALUES ('{id}', 't1', '{source}', 'ic:5', 't', 't', '{status}')"
            )
        };
        assert!(refused(&swipe("w3", "phone", "accepted")));
        assert!(refused(&swipe("w3", "qr", "maybe")));
        assert!(!refused(&swipe("w3", "qr", "unknown_card")));
        assert!(refused(
            "INSERT INTO swipes(id, terminal_id, source, card_key, swiped_at, received_at, status)
                         VALUES ('w4', 'nowhere', 'qr', 'ic:5', 't', 't', 'accepted')"
        ));
        assert!(refused("UPDATE credits SET review_status = 'lost'"));
        assert!(refused("UPDATE credits SET source = 'gift'"));
        assert!(refused("UPDATE credits SET class = 'III'"));
        assert!(refused("DELETE FROM credits"), "manual_credits still refers to credits");
        assert!(!refused("UPDATE credits SET review_status = 'approved', class = NULL"));
        assert!(refused("UPDATE annual_reviews SET compliance = 'almost'"));
        assert!(refused("UPDATE annual_reviews SET bureau_result = 'maybe'"));
        assert!(!refused("UPDATE annual_reviews SET compliance = 'exempt', bureau_result = 'passed'"));
        assert!(refused("UPDATE users SET role = 'root'"));
        assert!(refused("UPDATE users SET department_id = 'nowhere'"));
        let marked: String = c
            .query_row(
                "SELECT r.compliance || r.bureau_result || u.role FROM annual_reviews r, users u
                 WHERE u.username = 'mishu'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(marked, "exemptpasseddepartment_secretary");
        // SQLite compares an IN list of one or two constants in place; only sync_conflicts has
        // one (resolution: two values).
        let with_in_lists: Vec<String> = c
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '% IN (%' ORDER BY name",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(with_in_lists, ["sync_conflicts"], "CHECKs with IN lists of three or more left");
        let objects: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('swipes_project_time',
                 'swipes_card_time', 'swipes_are_immutable_update', 'swipes_are_immutable_delete',
                 'credits_staff_year', 'credits_year', 'credits_project')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(objects, 7, "every index and trigger is made again");
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
        let conn = connect(&path).unwrap();
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
        let conn = connect(&path).unwrap();
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
