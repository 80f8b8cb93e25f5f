//! The conflict log as the officer sees it (同步冲突): fields changed on two desks at once, where
//! the later clock won and the other value was kept, and rows the local schema refused. An
//! officer resolves each: keep the winner (an acknowledgement), or take the losing value, which
//! is a new edit through [`Desk::change`] and so syncs to every desk like any other edit.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    store::Desk,
};

/// One recorded conflict.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export, rename = "SyncConflict")]
pub struct StoredConflict {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub server_seq: i64,
    pub entity: String,
    pub entity_id: String,
    /// The field, or `*` for a whole row or event.
    pub field: String,
    #[ts(type = "unknown")]
    pub winner: Value,
    pub winner_hlc: String,
    #[ts(type = "unknown")]
    pub loser: Value,
    pub loser_hlc: String,
    pub detected_at: String,
    pub note: Option<String>,
    pub resolved_at: Option<String>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}

/// How an officer settles a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    KeepWinner,
    TakeLoser,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::KeepWinner => "keep_winner",
            Resolution::TakeLoser => "take_loser",
        }
    }
}

const SELECT: &str = "SELECT id, server_seq, entity, entity_id, field, winner, winner_hlc, loser, loser_hlc,
        detected_at, note, resolved_at, resolved_by, resolution FROM sync_conflicts";

fn json(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredConflict> {
    Ok(StoredConflict {
        id: r.get(0)?,
        server_seq: r.get(1)?,
        entity: r.get(2)?,
        entity_id: r.get(3)?,
        field: r.get(4)?,
        winner: json(r.get(5)?),
        winner_hlc: r.get(6)?,
        loser: json(r.get(7)?),
        loser_hlc: r.get(8)?,
        detected_at: r.get(9)?,
        note: r.get(10)?,
        resolved_at: r.get(11)?,
        resolved_by: r.get(12)?,
        resolution: r.get(13)?,
    })
}

/// Conflicts, oldest first; only the unresolved ones unless `all`.
pub fn list(desk: &Desk, all: bool) -> Result<Vec<StoredConflict>> {
    let sql = format!("{SELECT} WHERE ?1 OR resolved_at IS NULL ORDER BY id");
    let rows = desk.conn().prepare(&sql)?.query_map([all], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// How many conflicts wait for an officer.
pub fn open_count(desk: &Desk) -> Result<i64> {
    Ok(desk
        .conn()
        .query_row("SELECT COUNT(*) FROM sync_conflicts WHERE resolved_at IS NULL", [], |r| r.get(0))?)
}

/// Resolves conflict `id`. Taking the losing value writes it to the row as a new edit (audited,
/// pushed, and winning everywhere, because it is made after seeing the winner).
pub fn resolve(desk: &mut Desk, actor: &Actor, id: i64, how: Resolution) -> Result<StoredConflict> {
    actor.require(Permission::EditRoster)?;
    let found = desk.conn().query_row(&format!("{SELECT} WHERE id = ?1"), [id], row).optional()?;
    let Some(c) = found else {
        return Err(CoreError::NotFound {
            entity: "sync_conflict",
            entity_zh: "同步冲突",
            key: id.to_string(),
        });
    };
    if c.resolved_at.is_some() {
        return Err(CoreError::Conflict {
            code: "SYNC_CONFLICT_RESOLVED",
            zh: format!("冲突 {id} 已处理"),
            en: format!("conflict {id} is resolved already"),
        });
    }
    let mark = |conn: &rusqlite::Connection| -> Result<()> {
        conn.execute(
            "UPDATE sync_conflicts SET resolved_at = ?2, resolved_by = ?3, resolution = ?4 WHERE id = ?1",
            params![id, actor.timestamp(), actor.operator.username, how.as_str()],
        )?;
        Ok(())
    };
    match how {
        // Bookkeeping only: no domain data changes, as with the sync marks.
        Resolution::KeepWinner => mark(desk.conn())?,
        Resolution::TakeLoser => {
            if c.field == "*" || c.field.starts_with('_') {
                return Err(CoreError::Conflict {
                    code: "SYNC_CONFLICT_KEEP_ONLY",
                    zh: "整行或事件冲突只能保留现值".into(),
                    en: "a whole-row or event conflict can only keep the winner".into(),
                });
            }
            let (table, key) = super::pull_apply::table_of(&c.entity).ok_or_else(|| CoreError::Conflict {
                code: "SYNC_CONFLICT_KEEP_ONLY",
                zh: format!("{} 类数据不能在本机改写", c.entity),
                en: format!("{} rows are not written on the desk", c.entity),
            })?;
            desk.change(actor, |ch| {
                let value = super::pull_apply::sql_value(table, &c.field, &c.loser);
                let stamp = if super::pull_apply::has_column(ch.tx(), table, "updated_at")? {
                    ", updated_at = ?3"
                } else {
                    ""
                };
                let n = ch.tx().execute(
                    &format!("UPDATE {table} SET {} = ?1{stamp} WHERE {key} = ?2", c.field),
                    rusqlite::params_from_iter(
                        [value, c.entity_id.clone().into(), actor.timestamp().into()]
                            .into_iter()
                            .take(if stamp.is_empty() { 2 } else { 3 }),
                    ),
                )?;
                if n == 0 {
                    return Err(CoreError::NotFound {
                        entity: "row",
                        entity_zh: "数据行",
                        key: c.entity_id.clone(),
                    });
                }
                let before = json!({ c.field.clone(): c.winner.clone() });
                let after = json!({ c.field.clone(): c.loser.clone() });
                ch.record("sync.conflict.take_loser", &c.entity, &c.entity_id, Some(&before), Some(&after))?;
                mark(ch.tx())
            })?;
        }
    }
    Ok(desk.conn().query_row(&format!("{SELECT} WHERE id = ?1"), [id], row)?)
}
