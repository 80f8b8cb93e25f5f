//! Credits arriving by pull, written to the `credits` (and `manual_credits`) rows.
//!
//! A credit's fields in the confirmed replica come in the shapes its audit rows have: a granted
//! or imported credit is the flattened [`StoredCredit`] (`staff_id`, `credits`, …), a manual one
//! is a [`ManualCredit`] (`credit`, `form`, `trail`), and revoking adds `revoked_at` /
//! `revoked_reason`. The row is rebuilt from all confirmed fields of the credit, with the same
//! rule as every other pulled row: a field this desk edited and has not yet seen settled keeps the
//! desk's own value. Evidence files are not part of the log (their content stays on the desk that
//! took them), so a pulled manual credit lists its evidence in the form without the files.
//!
//! [`ManualCredit`]: crate::credits::store::ManualCredit

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use crate::credits::CreditRecord;
use crate::credits::store::{self, StoredCredit};
use crate::error::{CoreError, Result};
use crate::manual_credits::{ManualCreditForm, ReviewTrail};

/// A credit as the desk stores it: the row and, for a manual credit, its form and trail.
#[derive(Debug, Clone, PartialEq)]
struct CreditRow {
    credit: StoredCredit,
    manual: Option<(ManualCreditForm, ReviewTrail)>,
}

impl CreditRow {
    /// The field map in the replica's shapes (flattened record, plus `credit`/`form`/`trail`).
    fn fields(&self) -> Result<Map<String, Value>> {
        let mut m = match serde_json::to_value(&self.credit).map_err(corrupt)? {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        if let Some((form, trail)) = &self.manual {
            m.insert("credit".into(), serde_json::to_value(&self.credit.record).map_err(corrupt)?);
            m.insert("form".into(), serde_json::to_value(form).map_err(corrupt)?);
            m.insert("trail".into(), serde_json::to_value(trail).map_err(corrupt)?);
        }
        Ok(m)
    }

    fn json(&self) -> Result<Value> {
        let mut m = match serde_json::to_value(&self.credit).map_err(corrupt)? {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        if let Some((form, trail)) = &self.manual {
            m.insert("form".into(), serde_json::to_value(form).map_err(corrupt)?);
            m.insert("trail".into(), serde_json::to_value(trail).map_err(corrupt)?);
        }
        Ok(Value::Object(m))
    }
}

/// What bringing a credit row up to the confirmed data did.
pub(crate) enum CreditWrite {
    /// The row already showed it.
    Unchanged,
    /// Written: (before, after) for the remote audit row.
    Written(Option<Value>, Value),
    /// The confirmed fields do not make a whole credit yet (the reason, for the conflict log).
    Incomplete(String),
}

fn corrupt(e: impl std::fmt::Display) -> CoreError {
    CoreError::Corrupt(e.to_string())
}

fn local(conn: &Connection, id: &str) -> Result<Option<CreditRow>> {
    let credit = conn
        .query_row(&format!("SELECT {} FROM credits WHERE id = ?1", store::COLUMNS), [id], store::row)
        .optional()?;
    let Some(credit) = credit else { return Ok(None) };
    let manual: Option<(String, String)> = conn
        .query_row("SELECT form_json, trail_json FROM manual_credits WHERE credit_id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let manual = manual
        .map(|(f, t)| {
            Ok::<_, CoreError>((
                serde_json::from_str(&f).map_err(corrupt)?,
                serde_json::from_str(&t).map_err(corrupt)?,
            ))
        })
        .transpose()?;
    Ok(Some(CreditRow { credit, manual }))
}

/// The credit the confirmed replica describes, with `pending` fields taken from the desk's row.
fn desired(
    conn: &Connection,
    id: &str,
    pending: &BTreeSet<String>,
    here: Option<&CreditRow>,
) -> Result<std::result::Result<CreditRow, String>> {
    let mut fields = Map::new();
    let mut stmt = conn
        .prepare_cached("SELECT field, value FROM sync_fields WHERE entity = 'credit' AND entity_id = ?1")?;
    for row in stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
        let (name, text) = row?;
        fields.insert(name, serde_json::from_str(&text).map_err(corrupt)?);
    }
    let here_fields = here.map(CreditRow::fields).transpose()?.unwrap_or_default();
    for name in pending {
        match here_fields.get(name) {
            Some(v) => fields.insert(name.clone(), v.clone()),
            None => fields.remove(name),
        };
    }
    // A manual credit's record lives under `credit`; a granted one is flattened.
    let record_json = fields.get("credit").cloned().unwrap_or_else(|| Value::Object(fields.clone()));
    let record: CreditRecord = match serde_json::from_value(record_json) {
        Ok(r) => r,
        Err(e) => return Ok(Err(format!("学分数据不完整：{e}"))),
    };
    let text = |k: &str| fields.get(k).and_then(Value::as_str).map(str::to_string);
    let manual = match (fields.get("form"), fields.get("trail")) {
        (Some(f), Some(t)) => Some((
            serde_json::from_value(f.clone()).map_err(corrupt)?,
            serde_json::from_value(t.clone()).map_err(corrupt)?,
        )),
        _ => None,
    };
    Ok(Ok(CreditRow {
        credit: StoredCredit {
            record,
            revoked_at: text("revoked_at"),
            revoked_reason: text("revoked_reason"),
        },
        manual,
    }))
}

/// Brings credit `id`'s rows to the confirmed data (except `pending` fields). A refusal by the
/// schema (the person is missing on this desk) comes back as [`CoreError::Database`], for the
/// caller's conflict log.
pub(crate) fn write(
    conn: &Connection,
    id: &str,
    pending: &BTreeSet<String>,
    now: &str,
) -> Result<CreditWrite> {
    let here = local(conn, id)?;
    let want = match desired(conn, id, pending, here.as_ref())? {
        Ok(w) => w,
        Err(reason) => return Ok(CreditWrite::Incomplete(reason)),
    };
    if here.as_ref() == Some(&want) {
        return Ok(CreditWrite::Unchanged);
    }
    match &here {
        None => store::insert(conn, &want.credit.record, now)?,
        Some(_) => store::update(conn, &want.credit.record, now)?,
    }
    conn.execute(
        "UPDATE credits SET revoked_at = ?2, revoked_reason = ?3 WHERE id = ?1",
        params![id, want.credit.revoked_at, want.credit.revoked_reason],
    )?;
    if let Some((form, trail)) = &want.manual {
        conn.execute(
            "INSERT INTO manual_credits(credit_id, form_json, trail_json) VALUES (?1, ?2, ?3)
             ON CONFLICT(credit_id) DO UPDATE SET form_json = excluded.form_json, trail_json = excluded.trail_json",
            params![id, store::to_json(form)?, store::to_json(trail)?],
        )?;
    }
    Ok(CreditWrite::Written(here.map(|h| h.json()).transpose()?, want.json()?))
}
