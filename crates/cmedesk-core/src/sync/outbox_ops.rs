//! The desk's real outbox read as protocol [`Op`]s, and the desk's [`SyncMarks`] kept in the desk
//! database: the push half of the bridge between the desk database and the protocol rules.
//!
//! Every [`crate::store::Change::record`] writes one audit-log row and one outbox row in the same
//! transaction, both numbered from 1, so audit `seq` = outbox `site_seq`; the audit row supplies
//! the `before` and `after` states (the outbox payload carries only the action; databases
//! written before that change also carry `after` there, equal to the audit row's).
//! A row whose audit partner names another entity is refused as corrupt rather than guessed.
//!
//! The op's HLC is derived, not stored: (the change's time in ms, `site_seq`) — deterministic,
//! so a re-pushed op hashes the same, and ordered within the desk. Field bases are
//! [`Hlc::zero`] until the desk stores per-field stamps (it does not yet), so the server treats
//! an edit of a field another desk also changed as a conflict: logged, never silent.

use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value};

use super::{FieldEdit, Hlc, Op, OpBody, SyncMarks};
use crate::{
    error::{CoreError, Result},
    store::Desk,
};

/// Entities that are immutable events: deduplicated by id, never merged.
pub const EVENT_ENTITIES: &[&str] = &["swipe"];

/// Up to `limit` outbox rows after `after_site_seq`, in order, as ops of this desk's site.
pub fn outbox_ops(desk: &Desk, after_site_seq: i64, limit: usize) -> Result<Vec<Op>> {
    let mut stmt = desk.conn().prepare_cached(
        "SELECT o.site_seq, o.op_id, o.entity, o.entity_id, o.payload, o.created_at,
                a.entity, a.entity_id, a.before, a.after
         FROM outbox o LEFT JOIN audit_log a ON a.seq = o.site_seq
         WHERE o.site_seq > ?1 ORDER BY o.site_seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after_site_seq, limit as i64], |r| {
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
        })
    })?;
    let mut ops = Vec::new();
    for row in rows {
        ops.push(to_op(desk.site_id(), row?)?);
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

/// The desk's [`SyncMarks`] (kept in `desk_meta` under `sync.marks`; defaults before the first
/// sync).
pub fn load_marks(desk: &Desk) -> Result<SyncMarks> {
    let text: Option<String> = desk
        .conn()
        .query_row("SELECT value FROM desk_meta WHERE key = 'sync.marks'", [], |r| r.get(0))
        .optional()?;
    match text {
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
    let tx = desk.conn().unchecked_transaction()?;
    let text = serde_json::to_string(marks).map_err(|e| CoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO desk_meta(key, value) VALUES ('sync.marks', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [&text],
    )?;
    if !rejected.is_empty() {
        let mut all: std::collections::BTreeMap<String, String> = tx
            .query_row("SELECT value FROM desk_meta WHERE key = 'sync.rejected'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        all.extend(rejected.iter().map(|(k, v)| (k.clone(), v.clone())));
        let text = serde_json::to_string(&all).map_err(|e| CoreError::Corrupt(e.to_string()))?;
        tx.execute(
            "INSERT INTO desk_meta(key, value) VALUES ('sync.rejected', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [&text],
        )?;
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
