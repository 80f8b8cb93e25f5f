//! Cards (医通卡 / IC卡): issue, replace and revoke the cards staff swipe, and map a canonical card
//! key back to its holder. A resident ID card (`rid:<id number>`) needs no issuing: it maps
//! through the ID number itself.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::{
    actor::{Actor, Permission},
    error::{CoreError, Result},
    id_number, sql,
    staff::{self, StaffRow},
    store::{Change, Desk},
};

const ENTITY: &str = "card";

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct CardRecord {
    pub card_key: String,
    pub staff_id: String,
    pub issued_at: String,
    pub revoked_at: Option<String>,
    pub revoke_reason: Option<String>,
    pub replaced_by: Option<String>,
}

fn bad_key(raw: &str) -> CoreError {
    CoreError::invalid(
        "card_key",
        "CARD_KEY_FORMAT",
        format!("卡号「{raw}」格式不正确（应为卡号数字，或 uid:/em:/ic: 加十六进制/数字）"),
        format!("card key {raw:?} is not a card number nor ic:/uid:/em:/rid: + value"),
    )
}

/// The canonical form of a card key: `ic:<digits>` for printed card numbers (a bare number means
/// this), `uid:<HEX>` for MIFARE UIDs, `em:<HEX>` for EM4100 tags, `rid:<ID number>`.
pub fn normalize_key(raw: &str) -> Result<String> {
    // Borrowed pieces of one folded copy: a roster import normalizes 100,000 of these.
    let folded = id_number::normalize_input(raw);
    let (kind, value) = match folded.split_once(':') {
        Some((k, v)) => {
            (["ic", "uid", "em", "rid"].into_iter().find(|known| k.eq_ignore_ascii_case(known)), v)
        }
        None if folded.chars().all(|c| c.is_ascii_digit()) => (Some("ic"), folded.as_str()),
        None => (Some("uid"), folded.as_str()),
    };
    let ok = match kind {
        Some("ic") => (4..=20).contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit()),
        Some("uid" | "em") => (4..=32).contains(&value.len()) && value.chars().all(|c| c.is_ascii_hexdigit()),
        Some("rid") => (15..=18).contains(&value.len()),
        _ => false,
    };
    match kind {
        Some(kind) if ok => Ok(format!("{kind}:{value}")),
        _ => Err(bad_key(raw)),
    }
}

/// Issues a card to a person who has none active.
pub fn issue(desk: &mut Desk, actor: &Actor, staff_id: &str, card_key: &str) -> Result<CardRecord> {
    actor.require(Permission::IssueCards)?;
    staff::get(desk, staff_id)?;
    desk.change(actor, |c| issue_in(c, staff_id, card_key))
}

/// Issues inside an open change, with its own audit entry.
pub(crate) fn issue_in(c: &mut Change<'_>, staff_id: &str, card_key: &str) -> Result<CardRecord> {
    let card = insert_in(c, staff_id, card_key, false)?;
    c.record("card.issue", ENTITY, &card.card_key, None, Some(&card))?;
    Ok(card)
}

fn in_use(key: &str, holder: &str, revoked: bool) -> CoreError {
    let zh = if revoked { "该卡已挂失/作废，不能再发放" } else { "该卡已发给其他人员" };
    CoreError::Conflict {
        code: "CARD_IN_USE",
        zh: format!("{zh}：{key}"),
        en: format!("card {key} already belongs to staff {holder} (revoked: {revoked})"),
    }
}

/// Who holds (or held) a card key, and whether it is revoked.
fn holder_of(c: &Change<'_>, key: &str) -> Result<Option<(String, Option<String>)>> {
    Ok(c.tx()
        .prepare_cached("SELECT staff_id, revoked_at FROM cards WHERE card_key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Writes a new card row and returns it; the caller records the change. `holder_is_new`: the
/// person was created in this change, so they hold no card yet, and the card key's primary key
/// is the only check needed (a roster import issues 100,000 cards: no lookups before the insert).
pub(crate) fn insert_in(
    c: &Change<'_>,
    staff_id: &str,
    card_key: &str,
    holder_is_new: bool,
) -> Result<CardRecord> {
    let key = normalize_key(card_key)?;
    if key.starts_with("rid:") {
        return Err(CoreError::invalid(
            "card_key",
            "CARD_KEY_RID",
            "身份证无需发卡：刷身份证时按身份证号自动识别",
            "resident ID cards are recognised by the ID number and need no issuing",
        ));
    }
    if !holder_is_new {
        if let Some((holder, revoked)) = holder_of(c, &key)? {
            return Err(in_use(&key, &holder, revoked.is_some()));
        }
        let active: Option<String> = c
            .tx()
            .prepare_cached("SELECT card_key FROM cards WHERE staff_id = ?1 AND revoked_at IS NULL")?
            .query_row([staff_id], |r| r.get(0))
            .optional()?;
        if let Some(active) = active {
            return Err(CoreError::Conflict {
                code: "CARD_ALREADY_ISSUED",
                zh: format!("该人员已有在用卡 {active}，请使用「补卡」"),
                en: format!("staff already holds card {active}; replace it instead"),
            });
        }
    }
    let card = CardRecord {
        card_key: key,
        staff_id: staff_id.to_string(),
        issued_at: c.actor().timestamp(),
        revoked_at: None,
        revoke_reason: None,
        replaced_by: None,
    };
    let inserted = c
        .tx()
        .prepare_cached("INSERT INTO cards(card_key, staff_id, issued_at) VALUES (?1, ?2, ?3)")?
        .execute(params![card.card_key, card.staff_id, card.issued_at]);
    // For a new holder the primary key is the duplicate check; on a violation, name the holder.
    if let Err(rusqlite::Error::SqliteFailure(e, _)) = &inserted
        && e.code == rusqlite::ErrorCode::ConstraintViolation
        && let Some((holder, revoked)) = holder_of(c, &card.card_key)?
    {
        return Err(in_use(&card.card_key, &holder, revoked.is_some()));
    }
    inserted?;
    Ok(card)
}

/// Replaces a person's active card (lost, broken): the old card is revoked and can never return.
pub fn replace(
    desk: &mut Desk,
    actor: &Actor,
    staff_id: &str,
    new_key: &str,
    reason: &str,
) -> Result<CardRecord> {
    actor.require(Permission::IssueCards)?;
    let reason = sql::required(reason, "reason", "补卡原因")?;
    let old = active_card(desk, staff_id)?.ok_or_else(|| CoreError::Conflict {
        code: "NO_ACTIVE_CARD",
        zh: "该人员没有在用的卡，请直接发卡".into(),
        en: "the person has no active card; issue one".into(),
    })?;
    let new_key = normalize_key(new_key)?;
    desk.change(actor, |c| {
        revoke_in(c, &old, &reason, Some(&new_key))?;
        issue_in(c, staff_id, &new_key)
    })
}

/// Revokes (blocks) a card.
pub fn revoke(desk: &mut Desk, actor: &Actor, card_key: &str, reason: &str) -> Result<CardRecord> {
    actor.require(Permission::IssueCards)?;
    let reason = sql::required(reason, "reason", "挂失/作废原因")?;
    let key = normalize_key(card_key)?;
    let card = get(desk, &key)?;
    if card.revoked_at.is_some() {
        return Err(CoreError::Conflict {
            code: "CARD_ALREADY_REVOKED",
            zh: format!("卡 {key} 已经挂失/作废"),
            en: format!("card {key} is already revoked"),
        });
    }
    desk.change(actor, |c| revoke_in(c, &card, &reason, None))
}

fn revoke_in(
    c: &mut Change<'_>,
    card: &CardRecord,
    reason: &str,
    replaced_by: Option<&str>,
) -> Result<CardRecord> {
    let after = CardRecord {
        revoked_at: Some(c.actor().timestamp()),
        revoke_reason: Some(reason.to_string()),
        replaced_by: replaced_by.map(str::to_string),
        ..card.clone()
    };
    c.tx().execute(
        "UPDATE cards SET revoked_at = ?2, revoke_reason = ?3, replaced_by = ?4 WHERE card_key = ?1",
        params![after.card_key, after.revoked_at, after.revoke_reason, after.replaced_by],
    )?;
    c.record("card.revoke", ENTITY, &after.card_key, Some(card), Some(&after))?;
    Ok(after)
}

pub fn get(desk: &Desk, card_key: &str) -> Result<CardRecord> {
    desk.conn()
        .query_row(
            "SELECT card_key, staff_id, issued_at, revoked_at, revoke_reason, replaced_by FROM cards WHERE card_key = ?1",
            [card_key],
            card_row,
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound { entity: ENTITY, entity_zh: "卡", key: card_key.to_string() })
}

pub(crate) fn active_card(desk: &Desk, staff_id: &str) -> Result<Option<CardRecord>> {
    Ok(desk
        .conn()
        .query_row(
            "SELECT card_key, staff_id, issued_at, revoked_at, revoke_reason, replaced_by FROM cards
             WHERE staff_id = ?1 AND revoked_at IS NULL",
            [staff_id],
            card_row,
        )
        .optional()?)
}

/// Every card a person has held, oldest first.
pub fn history(desk: &Desk, staff_id: &str) -> Result<Vec<CardRecord>> {
    Ok(desk
        .conn()
        .prepare(
            "SELECT card_key, staff_id, issued_at, revoked_at, revoke_reason, replaced_by FROM cards
             WHERE staff_id = ?1 ORDER BY issued_at",
        )?
        .query_map([staff_id], card_row)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The holder of an active card key; `rid:` keys map through the ID number. Revoked and unknown
/// cards map to nobody.
pub fn staff_by_card_key(desk: &Desk, card_key: &str) -> Result<Option<StaffRow>> {
    let Ok(key) = normalize_key(card_key) else {
        return Ok(None);
    };
    holder_id(desk.conn(), &key)?.map(|id| staff::get_row(desk, &id)).transpose()
}

/// The id of the person who holds canonical `key` now, if anyone.
pub(crate) fn holder_id(conn: &rusqlite::Connection, key: &str) -> Result<Option<String>> {
    let sql = if key.starts_with("rid:") {
        "SELECT id FROM staff WHERE id_number = ?1"
    } else {
        "SELECT staff_id FROM cards WHERE card_key = ?1 AND revoked_at IS NULL"
    };
    let value = key.strip_prefix("rid:").unwrap_or(key);
    Ok(conn.prepare_cached(sql)?.query_row([value], |r| r.get(0)).optional()?)
}

fn card_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CardRecord> {
    Ok(CardRecord {
        card_key: r.get(0)?,
        staff_id: r.get(1)?,
        issued_at: r.get(2)?,
        revoked_at: r.get(3)?,
        revoke_reason: r.get(4)?,
        replaced_by: r.get(5)?,
    })
}

#[cfg(test)]
mod tests {
    use super::normalize_key;

    #[test]
    fn card_keys_are_canonical() {
        assert_eq!(normalize_key("0012345678").unwrap(), "ic:0012345678");
        assert_eq!(normalize_key("uid:04a1b2c3").unwrap(), "uid:04A1B2C3");
        assert_eq!(normalize_key("EM:67003b51c6").unwrap(), "em:67003B51C6");
        assert_eq!(normalize_key("０１２３４５６７").unwrap(), "ic:01234567");
        assert_eq!(normalize_key("rid:11010519491231002x").unwrap(), "rid:11010519491231002X");
        assert_eq!(normalize_key("xyz:1").unwrap_err().code(), "CARD_KEY_FORMAT");
        assert_eq!(normalize_key("12").unwrap_err().code(), "CARD_KEY_FORMAT");
    }
}
