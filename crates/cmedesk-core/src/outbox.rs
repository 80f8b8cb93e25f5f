//! The sync outbox: every recorded change, numbered gaplessly per desk (`site_seq`) in the same
//! transaction as the change itself, waiting to be pushed to the exchange server.
//!
//! An outbox row names the change (entity, id, op, and `{"action": ...}` as payload); the row's
//! states live once, in its audit-log partner (`audit_seq`; equal to `site_seq` until a pull
//! writes audit rows of its own), where [`crate::sync::outbox_ops`] reads `before` and `after`. Copying `after`
//! here as well doubled the bytes every change writes.

use rusqlite::{Connection, params};

use crate::{audit_log::Entry, error::Result, store::Desk};

pub(crate) fn next_site_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(site_seq), 0) + 1 FROM outbox", [], |r| r.get(0))?)
}

pub(crate) fn append(conn: &Connection, site_seq: i64, op_id: &str, entry: &Entry) -> Result<()> {
    let op = match (&entry.before, &entry.after) {
        (None, _) => "insert",
        (_, None) => "delete",
        _ => "update",
    };
    let action =
        serde_json::to_string(&entry.action).map_err(|e| crate::CoreError::Corrupt(e.to_string()))?;
    let payload = format!(r#"{{"action":{action}}}"#);
    conn.prepare_cached(
        "INSERT INTO outbox(site_seq, op_id, entity, entity_id, op, payload, created_at, audit_seq)
         VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6, ?8)",
    )?
    .execute(params![
        op_id,
        entry.entity,
        entry.entity_id,
        op,
        payload,
        entry.at,
        site_seq,
        entry.seq
    ])?;
    Ok(())
}

/// How many changes have not been pushed yet.
pub fn pending_count(desk: &Desk) -> Result<i64> {
    Ok(desk.conn().query_row("SELECT COUNT(*) FROM outbox WHERE pushed_at IS NULL", [], |r| r.get(0))?)
}

/// The highest `site_seq`, 0 when empty.
pub fn last_site_seq(desk: &Desk) -> Result<i64> {
    Ok(desk.conn().query_row("SELECT COALESCE(MAX(site_seq), 0) FROM outbox", [], |r| r.get(0))?)
}
