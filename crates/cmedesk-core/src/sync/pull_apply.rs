//! The pull half of the bridge: a page of the server's log applied to the desk database in one
//! transaction together with the new cursor (all of the page or nothing).
//!
//! For each op the confirmed replica (`sync_fields`, `sync_events`, `sync_applied`) is merged
//! exactly as [`super::Replica::apply`] merges (so the desk's [`canonical_hash`] equals the
//! server's), conflicts go to `sync_conflicts`, and the domain rows follow the confirmed data —
//! except fields this desk edited and has not yet seen settled: an officer's unpushed edit is
//! never overwritten by a pull. Domain changes are written with an audit-log row marked as
//! remote (operator `sync`, action `sync.pull`) and never reach the outbox, so a pulled change
//! is not pushed back. A row the local schema refuses (a unique ID number taken by another row,
//! a missing reference) is recorded as a conflict with the reason, never silently skipped.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{
    Connection, OptionalExtension, Transaction, TransactionBehavior, params, types::Value as Sql,
};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::{
    Hlc, Op, OpBody, PullReply, SyncError,
    credit_rows::{self, CreditWrite},
    desk::EpochCheck,
    outbox_ops::{
        confirmed_stamp, freeze, load_clock, read_marks, store_clock, unsettled_stamps, write_marks,
    },
};
use crate::{
    audit_log,
    error::{CoreError, Result},
    store::Desk,
};

/// Entity → (table, key column) of the domain rows a pull writes column by column. Credits are
/// written whole by [`super::credit_rows`]; other entities (users, desk events) are merged into
/// the confirmed replica only.
const TABLES: &[(&str, &str, &str)] = &[
    ("department", "departments", "id"),
    ("staff", "staff", "id"),
    ("card", "cards", "card_key"),
    ("terminal", "terminals", "id"),
    ("swipe", "swipes", "id"),
    ("approved_project", "approved_projects", "id"),
    ("project", "projects", "id"),
    ("course", "courses", "id"),
    ("holding_period", "holding_periods", "id"),
    ("attendance_window", "attendance_windows", "id"),
];

/// Swipe times are stored in one fixed text form (see `swipes`), whatever serde wrote.
const SWIPE_TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f";

/// What applying one pull page did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PageApplied {
    /// Log entries applied (entries the desk already had are not counted).
    pub pulled: usize,
    /// Conflicts recorded by this page.
    pub conflicts: usize,
    /// Domain rows written (inserted or updated).
    pub rows_written: usize,
    /// Fields left as this desk's unsettled edit shows them.
    pub kept_local: usize,
    pub cursor: i64,
    pub head: i64,
    pub epoch_changed: bool,
    /// The page belonged to an older epoch and was ignored.
    pub stale: bool,
}

/// Why a pull page was not applied.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Protocol(#[from] SyncError),
    #[error(transparent)]
    Desk(#[from] CoreError),
}

impl From<rusqlite::Error> for PullError {
    fn from(e: rusqlite::Error) -> Self {
        PullError::Desk(e.into())
    }
}

/// Applies a pull page to the desk database with its cursor, in one transaction. `now` (RFC 3339,
/// from the caller's clock) stamps audit rows, conflicts and new rows.
pub fn apply_pull_page(
    desk: &Desk,
    reply: &PullReply,
    now: &str,
) -> std::result::Result<PageApplied, PullError> {
    let now_ms = chrono::DateTime::parse_from_rfc3339(now)
        .map_err(|e| CoreError::Corrupt(format!("time {now:?}: {e}")))?
        .timestamp_millis();
    let tx = Transaction::new_unchecked(desk.conn(), TransactionBehavior::Immediate)?;
    let mut marks = read_marks(&tx)?;
    let mut out = PageApplied { head: reply.head, ..Default::default() };
    match marks.check_epoch(reply.epoch) {
        EpochCheck::Stale => {
            out.stale = true;
            out.cursor = marks.cursor;
            return Ok(out);
        }
        EpochCheck::Changed => out.epoch_changed = true,
        EpochCheck::Same => {}
    }
    if out.epoch_changed && reply.entries.first().is_some_and(|e| e.server_seq != 1) {
        // A page read for the old cursor: store the new epoch, restart from seq 1 next time.
        write_marks(&tx, &marks)?;
        tx.commit()?;
        out.cursor = marks.cursor;
        return Ok(out);
    }
    let fresh: Vec<_> = reply.entries.iter().filter(|e| e.server_seq > marks.cursor).collect();
    for (i, e) in fresh.iter().enumerate() {
        let expected = marks.cursor + 1 + i as i64;
        if e.server_seq != expected {
            return Err(SyncError::CursorGap { expected, got: e.server_seq }.into());
        }
        e.op.validate().map_err(SyncError::InvalidOp)?;
    }
    // Own edits not yet frozen record the stamps they saw before this page changes any.
    freeze(&tx, desk.site_id())?;
    let mut clock = load_clock(&tx, desk.site_id())?;
    let mut applier = Applier::new(&tx, desk.site_id(), now, "sync.pull", &mut out);
    for e in fresh {
        if let OpBody::Fields { hlc, .. } = &e.op.body {
            clock.observe(hlc, now_ms);
        }
        applier.apply(e.server_seq, &e.op)?;
        marks.cursor = e.server_seq;
        applier.out.pulled += 1;
    }
    drop(applier);
    store_clock(&tx, &clock)?;
    write_marks(&tx, &marks)?;
    tx.commit()?;
    out.cursor = marks.cursor;
    Ok(out)
}

struct Column {
    name: String,
    decl: String,
}

/// Writes confirmed server data into the domain rows (shared by a pull page and a resync).
pub(super) struct Applier<'a> {
    tx: &'a Connection,
    /// This desk's site id: an op of its own is found by its site_seq, not searched for.
    site_id: &'a str,
    now: &'a str,
    /// The audit action of the rows it writes: `sync.pull`, or `sync.resync` for a snapshot.
    action: &'static str,
    columns: HashMap<&'static str, Vec<Column>>,
    pub(super) out: &'a mut PageApplied,
}

impl<'a> Applier<'a> {
    pub(super) fn new(
        tx: &'a Connection,
        site_id: &'a str,
        now: &'a str,
        action: &'static str,
        out: &'a mut PageApplied,
    ) -> Applier<'a> {
        Applier { tx, site_id, now, action, columns: HashMap::new(), out }
    }
}

impl Applier<'_> {
    fn apply(&mut self, server_seq: i64, op: &Op) -> Result<()> {
        let fresh = self
            .tx
            .prepare_cached("INSERT OR IGNORE INTO sync_applied(op_id) VALUES (?1)")?
            .execute([&op.op_id])?;
        if fresh == 0 {
            return Ok(());
        }
        // One of this desk's own ops sits in the outbox under its site_seq (a rowid lookup; the
        // outbox has no op_id index, so searching by id would read the whole table per op).
        // Ops from an earlier identity of this file (a restored backup re-mints its site id)
        // count as remote: writing an identical row again changes nothing.
        let own = op.site_id == self.site_id
            && self
                .tx
                .prepare_cached("SELECT op_id FROM outbox WHERE site_seq = ?1")?
                .query_row([op.site_seq], |r| r.get::<_, String>(0))
                .optional()?
                .is_some_and(|id| id == op.op_id);
        match &op.body {
            OpBody::Event { data } => self.apply_event(server_seq, op, data, own),
            OpBody::Fields { hlc, fields } => {
                let incoming: BTreeMap<&str, (&Value, &Hlc)> =
                    fields.iter().map(|(k, e)| (k.as_str(), (&e.value, &e.base))).collect();
                self.apply_fields(server_seq, op, hlc, &incoming)
            }
        }
    }

    fn apply_event(&mut self, server_seq: i64, op: &Op, data: &Value, own: bool) -> Result<()> {
        let text = data.to_string();
        let existing: Option<String> = self
            .tx
            .prepare_cached("SELECT data FROM sync_events WHERE entity = ?1 AND entity_id = ?2")?
            .query_row(params![op.entity, op.entity_id], |r| r.get(0))
            .optional()?;
        match existing {
            Some(e) if e == text => Ok(()),
            Some(e) => {
                // Two events under one id: keep the canonical-smaller one, log the other (as the
                // server's replica does, so every copy makes the same choice).
                let (keep, lose) = if e <= text { (e, text) } else { (text, e) };
                self.tx.execute(
                    "UPDATE sync_events SET data = ?3 WHERE entity = ?1 AND entity_id = ?2",
                    params![op.entity, op.entity_id, keep],
                )?;
                let zero = Hlc::zero().to_string();
                self.conflict(server_seq, op, "*", (&keep, &zero, ""), (&lose, &zero, &op.op_id), None)
            }
            None => {
                self.tx
                    .prepare_cached("INSERT INTO sync_events(entity, entity_id, data) VALUES (?1, ?2, ?3)")?
                    .execute(params![op.entity, op.entity_id, text])?;
                if own {
                    return Ok(());
                }
                let Some(row) = data.as_object() else { return Ok(()) };
                self.write_row(server_seq, op, row)
            }
        }
    }

    fn apply_fields(
        &mut self,
        server_seq: i64,
        op: &Op,
        hlc: &Hlc,
        fields: &BTreeMap<&str, (&Value, &Hlc)>,
    ) -> Result<()> {
        let hlc_text = hlc.to_string();
        for (name, (value, base)) in fields {
            let value_text = value.to_string();
            let current: Option<(String, String, String)> = self
                .tx
                .prepare_cached(
                    "SELECT value, hlc, op_id FROM sync_fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
                )?
                .query_row(params![op.entity, op.entity_id, name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?;
            let take = match &current {
                None => true,
                Some((cur_value, cur_hlc, cur_op)) => {
                    let cur = Hlc::parse(cur_hlc)
                        .ok_or_else(|| CoreError::Corrupt(format!("sync_fields hlc {cur_hlc:?}")))?;
                    let incoming = (value_text.as_str(), hlc_text.as_str(), op.op_id.as_str());
                    let stored = (cur_value.as_str(), cur_hlc.as_str(), cur_op.as_str());
                    // As in `Replica::apply`: the later clock wins. The officer's conflict list
                    // leaves out the case where two desks set the same value (nothing to choose).
                    let differ = *cur_value != value_text;
                    if *hlc > cur {
                        if **base != cur && differ {
                            self.conflict(server_seq, op, name, incoming, stored, None)?;
                        }
                        true
                    } else {
                        if differ {
                            self.conflict(server_seq, op, name, stored, incoming, None)?;
                        }
                        false
                    }
                }
            };
            if take {
                self.tx
                    .prepare_cached(
                        "INSERT INTO sync_fields(entity, entity_id, field, value, hlc, op_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT(entity, entity_id, field)
                         DO UPDATE SET value = excluded.value, hlc = excluded.hlc, op_id = excluded.op_id",
                    )?
                    .execute(params![op.entity, op.entity_id, name, value_text, hlc_text, op.op_id])?;
            }
        }
        // The domain row follows the confirmed value of every field this op touched, except the
        // fields this desk changed and has not yet seen settled.
        let pending: BTreeSet<String> =
            unsettled_stamps(self.tx, &op.entity, &op.entity_id)?.into_iter().map(|(f, _)| f).collect();
        let mut desired = Map::new();
        for name in fields.keys() {
            if pending.contains(*name) {
                self.out.kept_local += 1;
                continue;
            }
            if let Some(v) = self.confirmed_value(&op.entity, &op.entity_id, name)? {
                desired.insert((*name).to_string(), v);
            }
        }
        if desired.is_empty() {
            return Ok(());
        }
        if op.entity == "credit" {
            return self.write_credit(server_seq, op, &pending, &desired);
        }
        self.write_row(server_seq, op, &desired)
    }

    /// A credit's rows follow all of its confirmed fields (its shapes differ by how it was made;
    /// see [`super::credit_rows`]), except this desk's unsettled fields.
    pub(super) fn write_credit(
        &mut self,
        server_seq: i64,
        op: &Op,
        pending: &BTreeSet<String>,
        desired: &Map<String, Value>,
    ) -> Result<()> {
        self.tx.execute_batch("SAVEPOINT pull_row")?;
        let refused = match credit_rows::write(self.tx, &op.entity_id, pending, self.now) {
            Ok(CreditWrite::Unchanged) => None,
            Ok(CreditWrite::Written(before, after)) => {
                self.remote_audit(op, before, after)?;
                None
            }
            Ok(CreditWrite::Incomplete(reason)) => Some(reason),
            Err(CoreError::Database(e)) => Some(format!("本机数据库拒绝写入：{e}")),
            Err(e) => return Err(e),
        };
        if let Some(note) = refused {
            self.refuse_row(server_seq, op, desired, &note)?;
        }
        self.tx.execute_batch("RELEASE pull_row")?;
        Ok(())
    }

    /// A pulled row this desk cannot store: undo its partial write (back to the `pull_row`
    /// savepoint) and log it as a conflict naming the reason, so nothing is dropped unseen.
    fn refuse_row(
        &mut self,
        server_seq: i64,
        op: &Op,
        desired: &Map<String, Value>,
        note: &str,
    ) -> Result<()> {
        self.tx.execute_batch("ROLLBACK TO pull_row")?;
        let wanted = Value::Object(desired.clone()).to_string();
        let zero = Hlc::zero().to_string();
        self.conflict(server_seq, op, "*", ("null", &zero, ""), (&wanted, &zero, &op.op_id), Some(note))
    }

    /// The audit row of a pulled change: operator `sync`, action `sync.pull`, never in the outbox.
    fn remote_audit(&mut self, op: &Op, before: Option<Value>, after: Value) -> Result<()> {
        let (seq, prev_hash) = audit_log::chain_head(self.tx)?;
        let entry = audit_log::Entry {
            seq,
            at: self.now.to_string(),
            operator: "sync".into(),
            action: self.action.into(),
            entity: op.entity.clone(),
            entity_id: op.entity_id.clone(),
            before: before.map(|b| b.to_string()),
            after: Some(after.to_string()),
            prev_hash,
        };
        audit_log::append(self.tx, &entry)?;
        self.out.rows_written += 1;
        Ok(())
    }

    fn confirmed_value(&self, entity: &str, id: &str, field: &str) -> Result<Option<Value>> {
        let text: Option<String> = self
            .tx
            .prepare_cached(
                "SELECT value FROM sync_fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3",
            )?
            .query_row(params![entity, id, field], |r| r.get(0))
            .optional()?;
        text.map(|t| serde_json::from_str(&t).map_err(|e| CoreError::Corrupt(e.to_string()))).transpose()
    }

    /// Brings the domain row of `op`'s entity to `desired` (column → JSON value) with an audit row
    /// marked as remote; a row the schema refuses becomes a conflict naming the reason.
    pub(super) fn write_row(&mut self, server_seq: i64, op: &Op, desired: &Map<String, Value>) -> Result<()> {
        let Some(&(_, table, key)) = TABLES.iter().find(|(e, _, _)| *e == op.entity) else {
            return Ok(());
        };
        self.tx.execute_batch("SAVEPOINT pull_row")?;
        match self.upsert(op, table, key, desired) {
            Ok(None) => {}
            Ok(Some((before, after))) => self.remote_audit(op, before, after)?,
            Err(refused) => {
                self.refuse_row(server_seq, op, desired, &format!("本机数据库拒绝写入：{refused}"))?
            }
        }
        self.tx.execute_batch("RELEASE pull_row")?;
        Ok(())
    }

    /// Inserts or updates one domain row; `Ok(None)` when it already holds `desired`.
    #[allow(clippy::type_complexity)]
    fn upsert(
        &mut self,
        op: &Op,
        table: &'static str,
        key: &str,
        desired: &Map<String, Value>,
    ) -> std::result::Result<Option<(Option<Value>, Value)>, rusqlite::Error> {
        if !self.columns.contains_key(table) {
            let cols = self
                .tx
                .prepare(&format!("SELECT name, type FROM pragma_table_info('{table}')"))?
                .query_map([], |r| Ok(Column { name: r.get(0)?, decl: r.get(1)? }))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            self.columns.insert(table, cols);
        }
        let cols = &self.columns[table];
        let wanted: Vec<(usize, Sql)> = cols
            .iter()
            .enumerate()
            .filter_map(|(i, c)| column_value(table, c, desired).map(|v| (i, v)))
            .collect();
        let list = cols.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ");
        let current: Option<Vec<Sql>> = self
            .tx
            .query_row(&format!("SELECT {list} FROM {table} WHERE {key} = ?1"), [&op.entity_id], |r| {
                (0..cols.len()).map(|i| r.get::<_, Sql>(i)).collect()
            })
            .optional()?;
        match current {
            Some(cur) => {
                let mut changes: Vec<(usize, Sql)> =
                    wanted.into_iter().filter(|(i, v)| cur[*i] != *v).collect();
                if changes.is_empty() {
                    return Ok(None);
                }
                if let Some(i) = cols.iter().position(|c| c.name == "updated_at") {
                    changes.push((i, Sql::Text(self.now.to_string())));
                }
                let sets = changes
                    .iter()
                    .enumerate()
                    .map(|(n, (i, _))| format!("{} = ?{}", cols[*i].name, n + 2))
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut args: Vec<Sql> = vec![Sql::Text(op.entity_id.clone())];
                args.extend(changes.iter().map(|(_, v)| v.clone()));
                self.tx.execute(
                    &format!("UPDATE {table} SET {sets} WHERE {key} = ?1"),
                    rusqlite::params_from_iter(args),
                )?;
                let before = row_json(cols, &cur);
                let mut after_row = cur.clone();
                for (i, v) in changes {
                    after_row[i] = v;
                }
                Ok(Some((Some(before), row_json(cols, &after_row))))
            }
            None => {
                let mut row: Vec<(usize, Sql)> = wanted;
                row.push((
                    cols.iter().position(|c| c.name == key).unwrap_or(0),
                    Sql::Text(op.entity_id.clone()),
                ));
                for stamp in ["created_at", "updated_at"] {
                    if let Some(i) = cols.iter().position(|c| c.name == stamp)
                        && !row.iter().any(|(j, _)| *j == i)
                    {
                        row.push((i, Sql::Text(self.now.to_string())));
                    }
                }
                row.sort_by_key(|(i, _)| *i);
                row.dedup_by_key(|(i, _)| *i);
                let names = row.iter().map(|(i, _)| cols[*i].name.as_str()).collect::<Vec<_>>().join(", ");
                let marks = (1..=row.len()).map(|n| format!("?{n}")).collect::<Vec<_>>().join(", ");
                self.tx.execute(
                    &format!("INSERT INTO {table}({names}) VALUES ({marks})"),
                    rusqlite::params_from_iter(row.iter().map(|(_, v)| v.clone())),
                )?;
                let mut full = vec![Sql::Null; cols.len()];
                for (i, v) in row {
                    full[i] = v;
                }
                Ok(Some((None, row_json(cols, &full))))
            }
        }
    }

    fn conflict(
        &mut self,
        server_seq: i64,
        op: &Op,
        field: &str,
        winner: (&str, &str, &str),
        loser: (&str, &str, &str),
        note: Option<&str>,
    ) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO sync_conflicts(server_seq, entity, entity_id, field, winner, winner_hlc,
                     winner_op_id, loser, loser_hlc, loser_op_id, detected_at, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                server_seq,
                op.entity,
                op.entity_id,
                field,
                winner.0,
                winner.1,
                winner.2,
                loser.0,
                loser.1,
                loser.2,
                self.now,
                note
            ])?;
        self.out.conflicts += 1;
        Ok(())
    }
}

/// The SQL value for column `c` from a row's JSON (`None`: the JSON does not set it).
fn column_value(table: &str, c: &Column, row: &Map<String, Value>) -> Option<Sql> {
    if table == "swipes" && c.name == "raw" {
        let hex = row.get("raw_hex")?;
        return Some(match hex.as_str().and_then(from_hex) {
            Some(bytes) => Sql::Blob(bytes),
            None => Sql::Null,
        });
    }
    let v = row.get(&c.name)?;
    Some(match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match (c.decl.as_str(), n.as_i64()) {
            ("REAL", _) | (_, None) => Sql::Real(n.as_f64().unwrap_or_default()),
            (_, Some(i)) => Sql::Integer(i),
        },
        Value::String(s) if table == "swipes" && (c.name == "swiped_at" || c.name == "device_time") => {
            match chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
                Ok(t) => Sql::Text(t.format(SWIPE_TIME_FORMAT).to_string()),
                Err(_) => Sql::Text(s.clone()),
            }
        }
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    })
}

fn row_json(cols: &[Column], values: &[Sql]) -> Value {
    let mut m = Map::new();
    for (c, v) in cols.iter().zip(values) {
        let j = match v {
            Sql::Null => Value::Null,
            Sql::Integer(i) => Value::from(*i),
            Sql::Real(f) => Value::from(*f),
            Sql::Text(t) => Value::from(t.as_str()),
            Sql::Blob(b) => Value::from(crate::store::hex(b)),
        };
        m.insert(c.name.clone(), j);
    }
    Value::Object(m)
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// The domain (table, key column) of an entity, if pulls write its rows.
pub(crate) fn table_of(entity: &str) -> Option<(&'static str, &'static str)> {
    TABLES.iter().find(|(e, _, _)| *e == entity).map(|&(_, t, k)| (t, k))
}

pub(crate) fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool> {
    Ok(conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1)"),
        [column],
        |r| r.get(0),
    )?)
}

/// The SQL value a field's JSON value is stored as (see [`column_value`]; REAL columns take
/// integers as they come, which SQLite converts).
pub(crate) fn sql_value(table: &str, field: &str, value: &Value) -> Sql {
    let c = Column { name: field.to_string(), decl: String::new() };
    let mut row = Map::new();
    row.insert(field.to_string(), value.clone());
    column_value(table, &c, &row).unwrap_or(Sql::Null)
}

/// SHA-256 over the desk's confirmed replica, computed exactly as
/// [`super::Replica::canonical_hash`]: equal to the server's once the desk has pulled its log.
pub fn canonical_hash(desk: &Desk) -> Result<String> {
    canonical_hash_of(desk.conn())
}

/// [`canonical_hash`] on a connection (inside a transaction: what it would commit).
pub(super) fn canonical_hash_of(conn: &Connection) -> Result<String> {
    let mut h = Sha256::new();
    let mut stmt =
        conn.prepare("SELECT entity, entity_id, data FROM sync_events ORDER BY entity, entity_id")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        h.update(b"E\0");
        for i in 0..2 {
            h.update(r.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?.as_bytes());
            h.update(b"\0");
        }
        h.update(r.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?.as_bytes());
        h.update(b"\n");
    }
    let mut stmt = conn.prepare(
        "SELECT entity, entity_id, field, value, hlc FROM sync_fields ORDER BY entity, entity_id, field",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        h.update(b"F\0");
        for i in 0..4 {
            h.update(r.get_ref(i)?.as_str().map_err(rusqlite::Error::from)?.as_bytes());
            h.update(b"\0");
        }
        h.update(r.get_ref(4)?.as_str().map_err(rusqlite::Error::from)?.as_bytes());
        h.update(b"\n");
    }
    Ok(crate::store::hex(&h.finalize()))
}

/// The confirmed stamp of one field (for tests and the conflicts page).
pub fn field_stamp(desk: &Desk, entity: &str, id: &str, field: &str) -> Result<Option<Hlc>> {
    confirmed_stamp(desk.conn(), entity, id, field)
}
