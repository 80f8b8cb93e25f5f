//! The sync outbox: every recorded change, numbered gaplessly per desk (`site_seq`) in the same
//! transaction as the change itself, waiting to be pushed to the exchange server.

use rusqlite::{Connection, params};

use crate::{audit_log::Entry, error::Result, store::Desk};

pub(crate) fn append(conn: &Connection, op_id: &str, entry: &Entry) -> Result<()> {
    let op = match (&entry.before, &entry.after) {
        (None, _) => "insert",
        (_, None) => "delete",
        _ => "update",
    };
    // The payload carries the new state; the exchange server merges per field against it.
    let payload = serde_json::json!({
        "action": entry.action,
        "after": entry.after.as_deref().map(serde_json::from_str::<serde_json::Value>).transpose().ok().flatten(),
    })
    .to_string();
    conn.prepare_cached(
        "INSERT INTO outbox(site_seq, op_id, entity, entity_id, op, payload, created_at)
         VALUES ((SELECT COALESCE(MAX(site_seq), 0) + 1 FROM outbox), ?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        op_id,
        entry.entity,
        entry.entity_id,
        op,
        payload,
        entry.at
    ])?;
    Ok(())
}

/// How many changes have not been pushed yet.
pub fn pending_count(desk: &Desk) -> Result<i64> {
    Ok(desk.conn().query_row(
        "SELECT COUNT(*) FROM outbox WHERE pushed_at IS NULL",
        [],
        |r| r.get(0),
    )?)
}

/// The highest `site_seq`, 0 when empty.
pub fn last_site_seq(desk: &Desk) -> Result<i64> {
    Ok(desk
        .conn()
        .query_row("SELECT COALESCE(MAX(site_seq), 0) FROM outbox", [], |r| {
            r.get(0)
        })?)
}
