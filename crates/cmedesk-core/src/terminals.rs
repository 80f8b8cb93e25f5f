//! Terminals (读卡器 / 考勤机): every device swipes come from, live readers and storing terminals
//! alike, with the device's clock offset and the highest sequence number committed from it.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    sql,
    store::{Change, Desk},
};

const ENTITY: &str = "terminal";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Terminal {
    pub id: String,
    /// `sam`, `em4100`, `ascii`, `storing`, `keyboard`, `qr`, `import` …
    pub kind: String,
    pub name: String,
    pub port_identity: Option<String>,
    #[ts(type = "number | null")]
    pub clock_offset_ms: Option<i64>,
    #[ts(type = "number")]
    pub last_seq: i64,
}

/// The terminal of this kind and identity, registered on first sight.
pub fn ensure(
    desk: &mut Desk,
    actor: &Actor,
    kind: &str,
    name: &str,
    port_identity: Option<&str>,
) -> Result<Terminal> {
    actor.require(Permission::RecordSwipes)?;
    let kind = sql::required(kind, "kind", "终端类型")?;
    if let Some(identity) = port_identity
        && let Some(t) = by_identity(desk, &kind, identity)?
    {
        return Ok(t);
    }
    let name = sql::required(name, "name", "终端名称")?;
    desk.change(actor, |c| {
        let t = Terminal {
            id: c.new_id(),
            kind,
            name,
            port_identity: port_identity.map(str::to_string),
            clock_offset_ms: None,
            last_seq: 0,
        };
        let now = c.actor().timestamp();
        c.tx().execute(
            "INSERT INTO terminals(id, kind, name, port_identity, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![t.id, t.kind, t.name, t.port_identity, now],
        )?;
        c.record("terminal.register", ENTITY, &t.id, None, Some(&t))?;
        Ok(t)
    })
}

fn by_identity(desk: &Desk, kind: &str, identity: &str) -> Result<Option<Terminal>> {
    Ok(desk
        .conn()
        .query_row(
            "SELECT id, kind, name, port_identity, clock_offset_ms, last_seq FROM terminals WHERE kind = ?1 AND port_identity = ?2",
            params![kind, identity],
            row,
        )
        .optional()?)
}

pub fn get(desk: &Desk, id: &str) -> Result<Terminal> {
    get_in(desk.conn(), id)
}

pub(crate) fn get_in(conn: &rusqlite::Connection, id: &str) -> Result<Terminal> {
    conn.prepare_cached(
        "SELECT id, kind, name, port_identity, clock_offset_ms, last_seq FROM terminals WHERE id = ?1",
    )?
    .query_row([id], row)
    .optional()?
    .ok_or_else(|| CoreError::NotFound { entity: ENTITY, entity_zh: "终端", key: id.to_string() })
}

pub fn list(desk: &Desk) -> Result<Vec<Terminal>> {
    Ok(desk
        .conn()
        .prepare(
            "SELECT id, kind, name, port_identity, clock_offset_ms, last_seq FROM terminals ORDER BY name",
        )?
        .query_map([], row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records, inside an ingest transaction, how far a pull got and the device clock's offset.
pub(crate) fn record_pull(
    c: &mut Change<'_>,
    before: &Terminal,
    last_seq: i64,
    clock_offset_ms: Option<i64>,
) -> Result<Terminal> {
    let after = Terminal {
        last_seq: last_seq.max(before.last_seq),
        clock_offset_ms: clock_offset_ms.or(before.clock_offset_ms),
        ..before.clone()
    };
    if &after == before {
        return Ok(after);
    }
    c.tx().execute(
        "UPDATE terminals SET last_seq = ?2, clock_offset_ms = ?3, updated_at = ?4 WHERE id = ?1",
        params![after.id, after.last_seq, after.clock_offset_ms, c.actor().timestamp()],
    )?;
    c.record("terminal.pull", ENTITY, &after.id, Some(before), Some(&after))?;
    Ok(after)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Terminal> {
    Ok(Terminal {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        port_identity: r.get(3)?,
        clock_offset_ms: r.get(4)?,
        last_seq: r.get(5)?,
    })
}
