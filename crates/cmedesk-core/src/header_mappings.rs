//! Header mappings (表头对照): a spreadsheet header a template does not know (`原单位`, `证件号`),
//! mapped once by an officer to a template field and remembered, per template, for every later
//! import. The core stores and audits them; which fields a template has is the spreadsheet
//! adapter's knowledge, so it checks the field before calling here.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    sql,
    store::Desk,
};

const ENTITY: &str = "header_mapping";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct HeaderMapping {
    pub id: String,
    /// The template's name (`staff-roster`).
    pub template: String,
    /// The header as the importer compares it (folded by the caller).
    pub header: String,
    /// The template field it fills.
    pub field: String,
    pub updated_at: String,
    pub updated_by: String,
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<HeaderMapping> {
    Ok(HeaderMapping {
        id: r.get(0)?,
        template: r.get(1)?,
        header: r.get(2)?,
        field: r.get(3)?,
        updated_at: r.get(4)?,
        updated_by: r.get(5)?,
    })
}

const COLUMNS: &str = "id, template, header, field, updated_at, updated_by";

fn get(desk: &Desk, template: &str, header: &str) -> Result<Option<HeaderMapping>> {
    Ok(desk
        .conn()
        .query_row(
            &format!("SELECT {COLUMNS} FROM header_mappings WHERE template = ?1 AND header = ?2"),
            params![template, header],
            row,
        )
        .optional()?)
}

/// Remembers that `header` (already folded) means `field` in `template`; a header mapped before
/// is re-pointed, and re-mapping it to the same field writes nothing.
pub fn remember(
    desk: &mut Desk,
    actor: &Actor,
    template: &str,
    header: &str,
    field: &str,
) -> Result<HeaderMapping> {
    actor.require(Permission::MapImportHeaders)?;
    let template = sql::required(template, "template", "模板")?;
    let header = sql::required(header, "header", "表头")?;
    sql::max_chars(&header, 100, "header", "表头")?;
    let field = sql::required(field, "field", "字段")?;
    sql::max_chars(&field, 50, "field", "字段")?;
    let before = get(desk, &template, &header)?;
    if let Some(b) = &before
        && b.field == field
    {
        return Ok(b.clone());
    }
    desk.change(actor, |c| {
        let now = c.actor().timestamp();
        let after = HeaderMapping {
            id: before.as_ref().map_or_else(|| c.new_id(), |b| b.id.clone()),
            template: template.clone(),
            header: header.clone(),
            field: field.clone(),
            updated_at: now.clone(),
            updated_by: c.actor().operator.username.clone(),
        };
        c.tx().execute(
            "INSERT INTO header_mappings(id, template, header, field, created_at, updated_at, updated_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
             ON CONFLICT(template, header) DO UPDATE SET field = excluded.field,
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            params![after.id, after.template, after.header, after.field, now, after.updated_by],
        )?;
        let action = if before.is_some() { "header_mapping.change" } else { "header_mapping.add" };
        c.record(action, ENTITY, &after.id, before.as_ref(), Some(&after))?;
        Ok(after)
    })
}

/// Forgets the mapping of `header` (already folded) in `template`.
pub fn forget(desk: &mut Desk, actor: &Actor, template: &str, header: &str) -> Result<HeaderMapping> {
    actor.require(Permission::MapImportHeaders)?;
    let before = get(desk, template, header)?.ok_or_else(|| CoreError::NotFound {
        entity: ENTITY,
        entity_zh: "表头对照",
        key: format!("{template}/{header}"),
    })?;
    desk.change(actor, |c| {
        c.tx().execute("DELETE FROM header_mappings WHERE id = ?1", [&before.id])?;
        c.record::<HeaderMapping>("header_mapping.remove", ENTITY, &before.id, Some(&before), None)?;
        Ok(before.clone())
    })
}

/// The remembered mappings, of one template or of all, ordered by template and header.
pub fn list(desk: &Desk, template: Option<&str>) -> Result<Vec<HeaderMapping>> {
    let mut stmt = desk.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM header_mappings WHERE ?1 IS NULL OR template = ?1 ORDER BY template, header"
    ))?;
    let rows = stmt.query_map([template], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
