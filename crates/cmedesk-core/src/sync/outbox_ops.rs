//! The desk's real outbox read as protocol [`Op`]s, and the desk's [`SyncMarks`] kept in the desk
//! database: the push half of the bridge between the desk database and the protocol rules.
//!
//! Every [`crate::store::Change::record`] writes one audit-log row and one outbox row in the same
//! transaction; the outbox row names its audit row (`audit_seq`: equal to `site_seq` until the
//! first pull adds audit rows of its own), which supplies the `before` and `after` states (the
//! outbox payload carries only the action; databases written before that change also carry
//! `after` there, equal to the audit row's). A row whose audit partner names another entity is
//! refused as corrupt rather than guessed.
//!
//! A field edit is *frozen* before it is first pushed and before every pull
//! ([`freeze_pending`]): its HLC reading is taken from the desk's clock (which has observed every
//! pulled edit, so an edit made after seeing a value orders after it), and each field's base is
//! the stamp of the value the desk showed when the edit was made — this desk's own earlier
//! unsettled edit of that field, else the confirmed (pulled) stamp. Frozen bodies are stored, so
//! a re-pushed op hashes the same whatever was pulled since. An op read before it is frozen gets
//! the derived reading (change time, `site_seq`) and zero bases.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::{Map, Value};

use super::{FieldEdit, Hlc, HlcClock, Op, OpBody, SyncMarks};
use crate::{
    error::{CoreError, Result},
    store::Desk,
};

/// Entities that are immutable events: deduplicated by id, never merged.
pub const EVENT_ENTITIES: &[&str] = &["swipe"];

/// Up to `limit` outbox rows after `after_site_seq`, in order, as ops of this desk's site.
pub fn outbox_ops(desk: &Desk, after_site_seq: i64, limit: usize) -> Result<Vec<Op>> {
    read_ops(desk.conn(), desk.site_id(), after_site_seq, limit, false)
}

/// Outbox rows after `after_site_seq` as ops; `fields_only` leaves out immutable events.
fn read_ops(
    conn: &Connection,
    site_id: &str,
    after_site_seq: i64,
    limit: usize,
    fields_only: bool,
) -> Result<Vec<Op>> {
    let mut stmt = conn.prepare_cached(
        "SELECT o.site_seq, o.op_id, o.entity, o.entity_id, o.payload, o.created_at,
                a.entity, a.entity_id, a.before, a.after, f.body
         FROM outbox o LEFT JOIN audit_log a ON a.seq = o.audit_seq
              LEFT JOIN sync_frozen_ops f ON f.site_seq = o.site_seq
         WHERE o.site_seq > ?1 AND (?3 = 0 OR o.entity NOT IN ('swipe'))
         ORDER BY o.site_seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after_site_seq, limit as i64, fields_only], |r| {
        Ok(Row {
            site_seq: r.get(0)?,
            op_id: r.get(1)?,
            entity: r.get(2)?,
            entity_id: r.get(3)?,
            payload: r.get(4)?,
            created_at: r.get(5)?,
            audit_entity: r.get(6)?,
            audit_entity_id: r.get(7)?,
            before: r.get(8)?,
            after: r.get(9)?,
            frozen: r.get(10)?,
        })
    })?;
    let mut ops = Vec::new();
    for row in rows {
        ops.push(to_op(site_id, row?)?);
    }
    Ok(ops)
}

struct Row {
    site_seq: i64,
    op_id: String,
    entity: String,
    entity_id: String,
    payload: String,
    created_at: String,
    audit_entity: Option<String>,
    audit_entity_id: Option<String>,
    before: Option<String>,
    after: Option<String>,
    frozen: Option<String>,
}

fn corrupt(row: &Row, what: &str) -> CoreError {
    CoreError::Corrupt(format!("outbox row {}: {what}", row.site_seq))
}

fn to_op(site_id: &str, row: Row) -> Result<Op> {
    if row.audit_entity.as_deref() != Some(row.entity.as_str())
        || row.audit_entity_id.as_deref() != Some(row.entity_id.as_str())
    {
        return Err(corrupt(&row, "its audit-log partner names another entity"));
    }
    // The payload must still be JSON (a damaged row is refused, not guessed); the state is the
    // audit row's.
    serde_json::from_str::<Value>(&row.payload).map_err(|e| corrupt(&row, &e.to_string()))?;
    let after: Value = match row.after.as_deref() {
        Some(text) => serde_json::from_str(text).map_err(|e| corrupt(&row, &e.to_string()))?,
        None => Value::Null,
    };
    let body = if EVENT_ENTITIES.contains(&row.entity.as_str()) {
        OpBody::Event { data: after }
    } else if let Some(frozen) = &row.frozen {
        serde_json::from_str(frozen).map_err(|e| corrupt(&row, &e.to_string()))?
    } else {
        let before: Option<Value> = row
            .before
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(&row, &e.to_string()))?;
        let wall_ms = chrono::DateTime::parse_from_rfc3339(&row.created_at)
            .map_err(|e| corrupt(&row, &e.to_string()))?
            .timestamp_millis();
        let hlc = Hlc {
            wall_ms,
            counter: u32::try_from(row.site_seq).unwrap_or(u32::MAX),
            site: site_id.to_string(),
        };
        let fields = changed_fields(before.as_ref(), &after)
            .into_iter()
            .map(|(k, value)| {
                let edit = FieldEdit { value, base: Hlc::zero() };
                (k, edit)
            })
            .collect();
        OpBody::Fields { hlc, fields }
    };
    Ok(Op {
        site_id: site_id.to_string(),
        site_seq: row.site_seq,
        op_id: row.op_id,
        entity: row.entity,
        entity_id: row.entity_id,
        body,
    })
}

/// The fields whose value differs from `before` (all of them for a new row); a deleted row
/// becomes `_deleted: true`; a change that altered nothing (e.g. a terminal polled empty) keeps
/// one `_touched` field so the op stays valid and visible.
fn changed_fields(before: Option<&Value>, after: &Value) -> Map<String, Value> {
    let empty = Map::new();
    let before = before.and_then(Value::as_object).unwrap_or(&empty);
    let mut out = Map::new();
    match after {
        Value::Object(after) => {
            for (k, v) in after {
                if before.get(k) != Some(v) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Value::Null => {
            out.insert("_deleted".into(), Value::Bool(true));
        }
        other => {
            out.insert("_value".into(), other.clone());
        }
    }
    if out.is_empty() {
        out.insert("_touched".into(), Value::Bool(true));
    }
    out
}

/// Freezes every field edit in the outbox not frozen yet (see the module header), in one
/// transaction. Called before a push reads the outbox.
pub fn freeze_pending(desk: &Desk) -> Result<()> {
    let tx = Transaction::new_unchecked(desk.conn(), TransactionBehavior::Immediate)?;
    freeze(&tx, desk.site_id())?;
    tx.commit()?;
    Ok(())
}

/// [`freeze_pending`] inside the caller's transaction (a pull freezes before it changes stamps).
pub(crate) fn freeze(conn: &Connection, site_id: &str) -> Result<()> {
    let through: i64 = meta_get(conn, "sync.frozen_through")?.and_then(|t| t.parse().ok()).unwrap_or(0);
    let last: i64 = conn.query_row("SELECT COALESCE(MAX(site_seq), 0) FROM outbox", [], |r| r.get(0))?;
    if last <= through {
        return Ok(());
    }
    let ops = read_ops(conn, site_id, through, usize::MAX, true)?;
    let mut clock = load_clock(conn, site_id)?;
    // The stamp each field shows: own unsettled edits (latest wins), loaded per row on first use.
    let mut shown: HashMap<(String, String, String), Hlc> = HashMap::new();
    let mut loaded: HashSet<(String, String)> = HashSet::new();
    for op in ops {
        let OpBody::Fields { hlc: derived, fields } = op.body else { continue };
        let row = (op.entity.clone(), op.entity_id.clone());
        if loaded.insert(row.clone()) {
            for (field, hlc) in unsettled_stamps(conn, &op.entity, &op.entity_id)? {
                shown.insert((row.0.clone(), row.1.clone(), field), hlc);
            }
        }
        let hlc = clock.tick(derived.wall_ms);
        let mut frozen = std::collections::BTreeMap::new();
        for (name, edit) in fields {
            let key = (row.0.clone(), row.1.clone(), name.clone());
            let base = match shown.get(&key) {
                Some(own) => own.clone(),
                None => confirmed_stamp(conn, &op.entity, &op.entity_id, &name)?.unwrap_or_else(Hlc::zero),
            };
            shown.insert(key, hlc.clone());
            frozen.insert(name, FieldEdit { value: edit.value, base });
        }
        let body = serde_json::to_string(&OpBody::Fields { hlc, fields: frozen })
            .map_err(|e| CoreError::Corrupt(e.to_string()))?;
        conn.prepare_cached("INSERT INTO sync_frozen_ops(site_seq, body) VALUES (?1, ?2)")?
            .execute(params![op.site_seq, body])?;
    }
    store_clock(conn, &clock)?;
    meta_set(conn, "sync.frozen_through", &last.to_string())
}

/// Field → HLC of this desk's own frozen edits of a row that the server has not yet settled
/// back to it, latest last.
pub(crate) fn unsettled_stamps(
    conn: &Connection,
    entity: &str,
    entity_id: &str,
) -> Result<Vec<(String, Hlc)>> {
    let mut stmt = conn.prepare_cached(
        // Through the audit log's (entity, entity_id) index: the outbox has none of its own
        // (migration 0008), only one on audit_seq.
        "SELECT f.body FROM audit_log a JOIN outbox o ON o.audit_seq = a.seq
              JOIN sync_frozen_ops f ON f.site_seq = o.site_seq
         WHERE a.entity = ?1 AND a.entity_id = ?2
           AND NOT EXISTS (SELECT 1 FROM sync_applied s WHERE s.op_id = o.op_id)
           AND NOT EXISTS (SELECT 1 FROM sync_settled_own s WHERE s.op_id = o.op_id)
         ORDER BY o.site_seq",
    )?;
    let bodies = stmt.query_map(params![entity, entity_id], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for body in bodies {
        let body: OpBody = serde_json::from_str(&body?).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        if let OpBody::Fields { hlc, fields } = body {
            out.extend(fields.into_keys().map(|k| (k, hlc.clone())));
        }
    }
    Ok(out)
}

/// The confirmed stamp of a field (from the pulled log), if any.
pub(crate) fn confirmed_stamp(conn: &Connection, entity: &str, id: &str, field: &str) -> Result<Option<Hlc>> {
    let text: Option<String> = conn
        .prepare_cached("SELECT hlc FROM sync_fields WHERE entity = ?1 AND entity_id = ?2 AND field = ?3")?
        .query_row(params![entity, id, field], |r| r.get(0))
        .optional()?;
    text.map(|t| Hlc::parse(&t).ok_or_else(|| CoreError::Corrupt(format!("sync_fields hlc {t:?}"))))
        .transpose()
}

/// The desk's hybrid logical clock, resumed from its last reading.
pub(crate) fn load_clock(conn: &Connection, site_id: &str) -> Result<HlcClock> {
    Ok(match meta_get(conn, "sync.hlc")?.as_deref().and_then(Hlc::parse) {
        Some(last) => HlcClock::resume(site_id, &last),
        None => HlcClock::new(site_id),
    })
}

pub(crate) fn store_clock(conn: &Connection, clock: &HlcClock) -> Result<()> {
    meta_set(conn, "sync.hlc", &clock.last().to_string())
}

pub(crate) fn meta_get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM desk_meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn meta_set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO desk_meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

/// The desk's [`SyncMarks`] (kept in `desk_meta` under `sync.marks`; defaults before the first
/// sync).
pub fn load_marks(desk: &Desk) -> Result<SyncMarks> {
    read_marks(desk.conn())
}

pub(crate) fn read_marks(conn: &Connection) -> Result<SyncMarks> {
    match meta_get(conn, "sync.marks")? {
        None => Ok(SyncMarks::default()),
        Some(t) => {
            serde_json::from_str(&t).map_err(|e| CoreError::Corrupt(format!("desk_meta sync.marks: {e}")))
        }
    }
}

/// Stores the marks, stamps `pushed_at` on the outbox rows the server acknowledged (and clears
/// it above `acked_through`, after a server restore), and records refused ops, in one
/// transaction. Sync bookkeeping changes no domain data, so it is not an audited change.
pub fn store_marks(
    desk: &Desk,
    marks: &SyncMarks,
    rejected: &std::collections::BTreeMap<String, String>,
    now: &str,
) -> Result<()> {
    store_push_settlement(desk, marks, rejected, &[], now)
}

/// [`store_marks`], and in the same transaction the own ops the server settled without logging
/// them (`(op_id, outcome)`: duplicate or rejected), which will never be pulled back.
pub fn store_push_settlement(
    desk: &Desk,
    marks: &SyncMarks,
    rejected: &std::collections::BTreeMap<String, String>,
    unlogged: &[(String, String)],
    now: &str,
) -> Result<()> {
    let tx = Transaction::new_unchecked(desk.conn(), TransactionBehavior::Immediate)?;
    for (op_id, outcome) in unlogged {
        tx.prepare_cached("INSERT OR IGNORE INTO sync_settled_own(op_id, outcome) VALUES (?1, ?2)")?
            .execute([op_id, outcome])?;
    }
    write_marks(&tx, marks)?;
    if !rejected.is_empty() {
        let mut all: std::collections::BTreeMap<String, String> =
            meta_get(&tx, "sync.rejected")?.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default();
        all.extend(rejected.iter().map(|(k, v)| (k.clone(), v.clone())));
        let text = serde_json::to_string(&all).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        meta_set(&tx, "sync.rejected", &text)?;
    }
    tx.execute(
        "UPDATE outbox SET pushed_at = ?2 WHERE site_seq <= ?1 AND pushed_at IS NULL",
        params![marks.acked_through, now],
    )?;
    tx.execute(
        "UPDATE outbox SET pushed_at = NULL WHERE site_seq > ?1 AND pushed_at IS NOT NULL",
        params![marks.acked_through],
    )?;
    tx.commit()?;
    Ok(())
}

pub(crate) fn write_marks(conn: &Connection, marks: &SyncMarks) -> Result<()> {
    let text = serde_json::to_string(marks).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    meta_set(conn, "sync.marks", &text)
}

/// The exchange server's address and this desk's token, as last given (`None` before that).
pub fn server_settings(desk: &Desk) -> Result<(Option<String>, Option<String>)> {
    Ok((meta_get(desk.conn(), "sync.server")?, meta_get(desk.conn(), "sync.token")?))
}

/// Remembers the server and token (the desk's own credential, kept with its database).
pub fn remember_server(desk: &Desk, server: &str, token: &str) -> Result<()> {
    let tx = Transaction::new_unchecked(desk.conn(), TransactionBehavior::Immediate)?;
    meta_set(&tx, "sync.server", server)?;
    meta_set(&tx, "sync.token", token)?;
    tx.commit()?;
    Ok(())
}

/// A sync setting of this desk (`sync.*` in `desk_meta`), e.g. the CA file path.
pub fn setting(desk: &Desk, key: &str) -> Result<Option<String>> {
    meta_get(desk.conn(), key)
}

pub fn remember_setting(desk: &Desk, key: &str, value: &str) -> Result<()> {
    meta_set(desk.conn(), key, value)
}
