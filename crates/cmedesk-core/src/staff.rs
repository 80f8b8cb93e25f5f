//! Staff (卫生技术人员): the roster. Every person is keyed by their resident ID number, which
//! joins our roster to the provincial platform; status changes and transfers keep their history.

use std::collections::HashSet;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Permission},
    cards, departments,
    error::{CoreError, Result},
    id_number::{self, Gender},
    sql::{self, text_enum},
    store::{Change, Desk},
};

const ENTITY: &str = "staff";

text_enum! {
    /// 人员状态.
    pub enum StaffStatus {
        Active = ("active", "在职"),
        Maternity = ("maternity", "产假"),
        Exempt = ("exempt", "不计达标"),
        Cancelled = ("cancelled", "注销"),
        TransferredOut = ("transferred_out", "调出"),
    }
}

text_enum! {
    /// 职称级别.
    pub enum TitleLevel {
        Junior = ("junior", "初级"),
        Intermediate = ("intermediate", "中级"),
        AssociateSenior = ("associate_senior", "副高"),
        Senior = ("senior", "正高"),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub gender: Gender,
    pub id_number: String,
    pub birth_date: NaiveDate,
    pub department_id: String,
    pub title: Option<String>,
    pub title_level: Option<TitleLevel>,
    pub profession: Option<String>,
    pub phone: Option<String>,
    pub status: StaffStatus,
    pub note: Option<String>,
}

/// The fields a form fills in when adding a person.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct NewStaff {
    pub name: String,
    /// Taken from the ID number when absent; cross-checked when given.
    pub gender: Option<Gender>,
    pub id_number: String,
    pub department_id: String,
    pub title: Option<String>,
    pub title_level: Option<TitleLevel>,
    pub profession: Option<String>,
    pub phone: Option<String>,
    pub status: Option<StaffStatus>,
    pub note: Option<String>,
    /// A card to issue at once (`ic:<number>`, `uid:<hex>`, `em:<hex>`, or a bare card number).
    pub card_key: Option<String>,
}

/// The editable fields of an existing person (department and status have their own workflows).
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct StaffEdit {
    pub name: String,
    pub gender: Option<Gender>,
    pub id_number: String,
    pub title: Option<String>,
    pub title_level: Option<TitleLevel>,
    pub profession: Option<String>,
    pub phone: Option<String>,
    pub note: Option<String>,
}

/// A person as lists and searches show them.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StaffRow {
    #[serde(flatten)]
    #[ts(flatten)]
    pub staff: Staff,
    pub department_name: String,
    /// The active card, if any.
    pub card_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StatusChange {
    pub from_status: Option<StaffStatus>,
    pub to_status: StaffStatus,
    pub effective_on: NaiveDate,
    pub reason: Option<String>,
    pub recorded_at: String,
    pub operator: String,
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Transfer {
    pub from_department: String,
    pub to_department: String,
    pub effective_on: NaiveDate,
    pub reason: Option<String>,
    pub recorded_at: String,
    pub operator: String,
}

/// Everything about one person: the row and its histories.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct StaffDetail {
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: StaffRow,
    pub status_history: Vec<StatusChange>,
    pub transfers: Vec<Transfer>,
    pub cards: Vec<cards::CardRecord>,
}

/// Filters for the roster table; all optional and combined with AND.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct StaffFilter {
    /// This department and everything below it.
    pub department_id: Option<String>,
    pub status: Option<StaffStatus>,
    pub title_level: Option<TitleLevel>,
    pub profession: Option<String>,
    /// Name prefix, ID number or card, as in [`find`].
    pub query: Option<String>,
    pub limit: Option<u32>,
}

fn check_phone(phone: Option<&str>) -> Result<Option<String>> {
    let phone = sql::clean(phone);
    if let Some(p) = &phone
        && (p.len() < 7 || p.len() > 20 || !p.chars().all(|c| c.is_ascii_digit() || c == '-'))
    {
        return Err(CoreError::invalid(
            "phone",
            "PHONE_FORMAT",
            format!("联系电话「{p}」格式不正确（7–20位数字）"),
            format!("phone {p:?} must be 7-20 digits"),
        ));
    }
    Ok(phone)
}

fn check_name(name: &str) -> Result<String> {
    let name = sql::required(name, "name", "姓名")?;
    sql::max_chars(&name, 50, "name", "姓名")?;
    if name.chars().any(|c| c.is_ascii_digit() || c.is_control()) {
        return Err(CoreError::invalid(
            "name",
            "NAME_FORMAT",
            "姓名不能包含数字",
            "name cannot contain digits",
        ));
    }
    Ok(name)
}

fn check_id(raw: &str, gender: Option<Gender>, today: NaiveDate) -> Result<id_number::IdNumber> {
    if raw.trim().is_empty() {
        return Err(CoreError::Required { field: "id_number", label_zh: "身份证号" });
    }
    id_number::validate_with_gender(raw, gender, today)
        .map_err(|source| CoreError::IdNumber { field: "id_number", source })
}

fn ensure_id_free(conn: &rusqlite::Connection, id_number: &str, except: Option<&str>) -> Result<()> {
    let holder: Option<(String, String)> = conn
        .prepare_cached("SELECT id, name FROM staff WHERE id_number = ?1")?
        .query_row([id_number], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match holder {
        Some((id, name)) if Some(id.as_str()) != except => Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "身份证号",
            field: "id_number",
            key: format!("{id_number}（{name}）"),
        }),
        _ => Ok(()),
    }
}

/// Adds one person (and their card, when given).
pub fn add(desk: &mut Desk, actor: &Actor, new: NewStaff) -> Result<Staff> {
    add_many(desk, actor, vec![new]).map(|mut v| v.remove(0))
}

/// Adds many people in one transaction: all of them, or none (the error names the entry).
pub fn add_many(desk: &mut Desk, actor: &Actor, people: Vec<NewStaff>) -> Result<Vec<Staff>> {
    actor.require(Permission::EditRoster)?;
    if people.iter().any(|p| p.card_key.is_some()) {
        actor.require(Permission::IssueCards)?;
    }
    desk.change(actor, |c| {
        let mut out = Vec::with_capacity(people.len());
        let many = people.len() > 1;
        let mut known_departments = HashSet::new();
        for (index, new) in people.into_iter().enumerate() {
            let staff = insert(c, new, &mut known_departments)
                .map_err(|e| if many { CoreError::in_batch(index, e) } else { e })?;
            out.push(staff);
        }
        Ok(out)
    })
}

fn insert(c: &mut Change<'_>, new: NewStaff, known_departments: &mut HashSet<String>) -> Result<Staff> {
    let name = check_name(&new.name)?;
    let id = check_id(&new.id_number, new.gender, c.actor().today())?;
    if new.department_id.trim().is_empty() {
        return Err(CoreError::Required { field: "department_id", label_zh: "科室" });
    }
    // A batch names few departments many times: look each up once.
    if !known_departments.contains(&new.department_id) {
        let dept_exists: Option<i64> = c
            .tx()
            .prepare_cached("SELECT 1 FROM departments WHERE id = ?1")?
            .query_row([&new.department_id], |r| r.get(0))
            .optional()?;
        if dept_exists.is_none() {
            return Err(CoreError::NotFound {
                entity: "department",
                entity_zh: "科室",
                key: new.department_id,
            });
        }
        known_departments.insert(new.department_id.clone());
    }
    let staff = Staff {
        id: c.new_id(),
        name,
        gender: id.gender,
        id_number: id.normalized,
        birth_date: id.birth_date,
        department_id: new.department_id,
        title: sql::clean(new.title.as_deref()),
        title_level: new.title_level,
        profession: sql::clean(new.profession.as_deref()),
        phone: check_phone(new.phone.as_deref())?,
        status: new.status.unwrap_or(StaffStatus::Active),
        note: sql::clean(new.note.as_deref()),
    };
    let now = c.actor().timestamp();
    let inserted = c
        .tx()
        .prepare_cached(
            "INSERT INTO staff(id, name, gender, id_number, birth_date, department_id, title, title_level,
                               profession, phone, status, note, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        )?
        .execute(params![
            staff.id,
            staff.name,
            staff.gender,
            staff.id_number,
            staff.birth_date.to_string(),
            staff.department_id,
            staff.title,
            staff.title_level,
            staff.profession,
            staff.phone,
            staff.status,
            staff.note,
            now
        ])
        .map(|_| ());
    // The UNIQUE index is the duplicate check; on a violation, name the holder.
    if let Err(rusqlite::Error::SqliteFailure(e, _)) = &inserted
        && e.code == rusqlite::ErrorCode::ConstraintViolation
    {
        ensure_id_free(c.tx(), &staff.id_number, None)?;
    }
    inserted?;
    let card = match new.card_key.as_deref().filter(|k| !k.trim().is_empty()) {
        Some(key) => Some(cards::insert_in(c, &staff.id, key, true)?),
        None => None,
    };
    // A card issued with the person is part of the person's entry (`card_key` in `after`), not
    // an entry of its own: one audit row and one outbox op per person, half the rows a roster
    // import used to write. The card's later life (replace, revoke) has entries of its own.
    let added = Added { staff: &staff, card_key: card.as_ref().map(|c| c.card_key.as_str()) };
    c.record("staff.add", ENTITY, &staff.id, None, Some(&added))?;
    Ok(staff)
}

/// What `staff.add` records: the person, and the card issued with them.
#[derive(Serialize)]
struct Added<'a> {
    #[serde(flatten)]
    staff: &'a Staff,
    #[serde(skip_serializing_if = "Option::is_none")]
    card_key: Option<&'a str>,
}

/// Edits a person's own fields.
pub fn update(desk: &mut Desk, actor: &Actor, staff_id: &str, edit: StaffEdit) -> Result<Staff> {
    actor.require(Permission::EditRoster)?;
    let before = get(desk, staff_id)?;
    let name = check_name(&edit.name)?;
    let id = check_id(&edit.id_number, edit.gender, actor.today())?;
    ensure_id_free(desk.conn(), &id.normalized, Some(staff_id))?;
    let after = Staff {
        name,
        gender: id.gender,
        id_number: id.normalized,
        birth_date: id.birth_date,
        title: sql::clean(edit.title.as_deref()),
        title_level: edit.title_level,
        profession: sql::clean(edit.profession.as_deref()),
        phone: check_phone(edit.phone.as_deref())?,
        note: sql::clean(edit.note.as_deref()),
        ..before.clone()
    };
    if after == before {
        return Ok(after);
    }
    desk.change(actor, |c| {
        c.tx().execute(
            "UPDATE staff SET name = ?2, gender = ?3, id_number = ?4, birth_date = ?5, title = ?6, title_level = ?7,
                              profession = ?8, phone = ?9, note = ?10, updated_at = ?11 WHERE id = ?1",
            params![
                after.id,
                after.name,
                after.gender,
                after.id_number,
                after.birth_date.to_string(),
                after.title,
                after.title_level,
                after.profession,
                after.phone,
                after.note,
                c.actor().timestamp()
            ],
        )?;
        c.record("staff.update", ENTITY, &after.id, Some(&before), Some(&after))?;
        Ok(after)
    })
}

/// Moves a person to another department: the old unit transfers out, the new one in.
pub fn transfer(
    desk: &mut Desk,
    actor: &Actor,
    staff_id: &str,
    to_department_id: &str,
    effective_on: NaiveDate,
    reason: Option<&str>,
) -> Result<Staff> {
    actor.require(Permission::EditRoster)?;
    let before = get(desk, staff_id)?;
    let to = departments::get(desk, to_department_id)?;
    if to.id == before.department_id {
        return Err(CoreError::invalid(
            "department_id",
            "TRANSFER_SAME_DEPARTMENT",
            format!("{}已在「{}」，无需调动", before.name, to.name),
            "the person is already in that department",
        ));
    }
    let after = Staff { department_id: to.id.clone(), ..before.clone() };
    desk.change(actor, |c| {
        let now = c.actor().timestamp();
        c.tx().execute(
            "UPDATE staff SET department_id = ?2, updated_at = ?3 WHERE id = ?1",
            params![after.id, after.department_id, now],
        )?;
        c.tx().execute(
            "INSERT INTO staff_transfers(staff_id, from_department_id, to_department_id, effective_on, reason, recorded_at, operator)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                after.id,
                before.department_id,
                after.department_id,
                effective_on.to_string(),
                sql::clean(reason),
                now,
                c.actor().operator.username
            ],
        )?;
        c.record("staff.transfer", ENTITY, &after.id, Some(&before), Some(&after))?;
        Ok(after)
    })
}

/// Changes a person's status (产假, 不计达标 ...) with the date it takes effect.
pub fn set_status(
    desk: &mut Desk,
    actor: &Actor,
    staff_id: &str,
    status: StaffStatus,
    effective_on: NaiveDate,
    reason: Option<&str>,
) -> Result<Staff> {
    actor.require(Permission::EditRoster)?;
    let before = get(desk, staff_id)?;
    if before.status == status {
        return Err(CoreError::invalid(
            "status",
            "STATUS_UNCHANGED",
            format!("人员状态已是「{}」", status.label_zh()),
            format!("status is already {}", status.as_str()),
        ));
    }
    let reason = sql::clean(reason);
    if status == StaffStatus::Exempt && reason.is_none() {
        return Err(CoreError::Required { field: "reason", label_zh: "不计达标原因" });
    }
    let after = Staff { status, ..before.clone() };
    desk.change(actor, |c| {
        let now = c.actor().timestamp();
        c.tx().execute("UPDATE staff SET status = ?2, updated_at = ?3 WHERE id = ?1", params![after.id, status, now])?;
        c.tx().execute(
            "INSERT INTO staff_status_history(staff_id, from_status, to_status, effective_on, reason, recorded_at, operator)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![after.id, before.status, status, effective_on.to_string(), reason, now, c.actor().operator.username],
        )?;
        c.record("staff.status", ENTITY, &after.id, Some(&before), Some(&after))?;
        Ok(after)
    })
}

const ROW_SELECT: &str = "SELECT s.id, s.name, s.gender, s.id_number, s.birth_date, s.department_id, s.title,
        s.title_level, s.profession, s.phone, s.status, s.note, d.name,
        (SELECT card_key FROM cards k WHERE k.staff_id = s.id AND k.revoked_at IS NULL)
    FROM staff s JOIN departments d ON d.id = s.department_id";

fn staff_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffRow> {
    let birth: String = r.get(4)?;
    Ok(StaffRow {
        staff: Staff {
            id: r.get(0)?,
            name: r.get(1)?,
            gender: r.get(2)?,
            id_number: r.get(3)?,
            birth_date: birth.parse().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
            })?,
            department_id: r.get(5)?,
            title: r.get(6)?,
            title_level: r.get(7)?,
            profession: r.get(8)?,
            phone: r.get(9)?,
            status: r.get(10)?,
            note: r.get(11)?,
        },
        department_name: r.get(12)?,
        card_key: r.get(13)?,
    })
}

pub fn get(desk: &Desk, staff_id: &str) -> Result<Staff> {
    get_row(desk, staff_id).map(|r| r.staff)
}

pub fn get_row(desk: &Desk, staff_id: &str) -> Result<StaffRow> {
    desk.conn()
        .prepare_cached(&format!("{ROW_SELECT} WHERE s.id = ?1"))?
        .query_row([staff_id], staff_row)
        .optional()?
        .ok_or_else(|| CoreError::NotFound { entity: ENTITY, entity_zh: "人员", key: staff_id.to_string() })
}

/// Resolves a person by id, ID number or card key (for CLI arguments).
pub fn resolve(desk: &Desk, reference: &str) -> Result<StaffRow> {
    if let Ok(row) = get_row(desk, reference.trim()) {
        return Ok(row);
    }
    let mut found = find(desk, reference, 2)?;
    let by_key = matches!(classify(reference), Query::IdNumber(_) | Query::CardKey(_));
    if found.len() == 1 || (by_key && !found.is_empty()) {
        return Ok(found.remove(0));
    }
    Err(CoreError::NotFound { entity: ENTITY, entity_zh: "人员", key: reference.to_string() })
}

enum Query {
    IdNumber(String),
    CardKey(String),
    NamePrefix(String),
}

fn classify(q: &str) -> Query {
    let q = q.trim();
    if q.contains(':') {
        return Query::CardKey(cards::normalize_key(q).unwrap_or_else(|_| q.to_string()));
    }
    let folded = id_number::normalize_input(q);
    let id_like = (folded.len() == 18 || folded.len() == 15)
        && folded.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || (i == 17 && c == 'X'));
    if id_like {
        // A 15-digit legacy number is looked up by its 18-character form.
        let today = chrono::NaiveDate::MAX;
        let normalized = id_number::validate(&folded, today).map(|v| v.normalized).unwrap_or(folded);
        return Query::IdNumber(normalized);
    }
    if !folded.is_empty()
        && folded.chars().all(|c| c.is_ascii_hexdigit())
        && folded.chars().any(|c| c.is_ascii_digit())
    {
        return Query::CardKey(cards::normalize_key(&folded).unwrap_or(folded));
    }
    Query::NamePrefix(q.to_string())
}

/// Finds people by name prefix, ID number or card key (what an officer types in the search box).
pub fn find(desk: &Desk, query: &str, limit: u32) -> Result<Vec<StaffRow>> {
    let conn = desk.conn();
    match classify(query) {
        Query::IdNumber(id) => Ok(conn
            .prepare_cached(&format!("{ROW_SELECT} WHERE s.id_number = ?1"))?
            .query_map([id], staff_row)?
            .collect::<rusqlite::Result<_>>()?),
        Query::CardKey(key) => Ok(cards::staff_by_card_key(desk, &key)?.into_iter().collect()),
        Query::NamePrefix(prefix) if prefix.is_empty() => Ok(vec![]),
        Query::NamePrefix(prefix) => {
            // A range on the name index: everything that starts with `prefix`.
            let upper = format!("{prefix}\u{10FFFF}");
            Ok(conn
                .prepare_cached(&format!(
                    "{ROW_SELECT} WHERE s.name >= ?1 AND s.name < ?2 ORDER BY s.name LIMIT ?3"
                ))?
                .query_map(params![prefix, upper, limit], staff_row)?
                .collect::<rusqlite::Result<_>>()?)
        }
    }
}

/// The roster, filtered, ordered by department then name.
pub fn list(desk: &Desk, filter: &StaffFilter) -> Result<Vec<StaffRow>> {
    if let Some(q) = filter.query.as_deref().filter(|q| !q.trim().is_empty()) {
        let rows = find(desk, q, filter.limit.unwrap_or(100_000))?;
        let depts = match &filter.department_id {
            Some(d) => Some(departments::subtree_ids(desk, d)?),
            None => None,
        };
        return Ok(rows
            .into_iter()
            .filter(|r| depts.as_ref().is_none_or(|d| d.contains(&r.staff.department_id)))
            .filter(|r| filter.status.is_none_or(|s| r.staff.status == s))
            .filter(|r| filter.title_level.is_none_or(|t| r.staff.title_level == Some(t)))
            .filter(|r| filter.profession.as_ref().is_none_or(|p| r.staff.profession.as_ref() == Some(p)))
            .collect());
    }
    let sql = format!(
        "WITH RECURSIVE sub(id) AS (SELECT ?1 UNION ALL SELECT d.id FROM departments d JOIN sub ON d.parent_id = sub.id)
         {ROW_SELECT}
         WHERE (?1 IS NULL OR s.department_id IN (SELECT id FROM sub))
           AND (?2 IS NULL OR s.status = ?2) AND (?3 IS NULL OR s.title_level = ?3) AND (?4 IS NULL OR s.profession = ?4)
         ORDER BY d.sort, d.name, s.name LIMIT ?5"
    );
    Ok(desk
        .conn()
        .prepare_cached(&sql)?
        .query_map(
            params![
                filter.department_id,
                filter.status,
                filter.title_level,
                filter.profession,
                filter.limit.unwrap_or(u32::MAX)
            ],
            staff_row,
        )?
        .collect::<rusqlite::Result<_>>()?)
}

/// The row and its status, transfer and card histories.
pub fn detail(desk: &Desk, staff_id: &str) -> Result<StaffDetail> {
    let row = get_row(desk, staff_id)?;
    let conn = desk.conn();
    let status_history = conn
        .prepare("SELECT from_status, to_status, effective_on, reason, recorded_at, operator FROM staff_status_history WHERE staff_id = ?1 ORDER BY id")?
        .query_map([staff_id], |r| {
            let on: String = r.get(2)?;
            Ok(StatusChange {
                from_status: r.get(0)?,
                to_status: r.get(1)?,
                effective_on: on.parse().unwrap_or_default(),
                reason: r.get(3)?,
                recorded_at: r.get(4)?,
                operator: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let transfers = conn
        .prepare(
            "SELECT f.name, t.name, x.effective_on, x.reason, x.recorded_at, x.operator FROM staff_transfers x
             JOIN departments f ON f.id = x.from_department_id JOIN departments t ON t.id = x.to_department_id
             WHERE x.staff_id = ?1 ORDER BY x.id",
        )?
        .query_map([staff_id], |r| {
            let on: String = r.get(2)?;
            Ok(Transfer {
                from_department: r.get(0)?,
                to_department: r.get(1)?,
                effective_on: on.parse().unwrap_or_default(),
                reason: r.get(3)?,
                recorded_at: r.get(4)?,
                operator: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(StaffDetail { row, status_history, transfers, cards: cards::history(desk, staff_id)? })
}

pub fn count(desk: &Desk) -> Result<i64> {
    Ok(desk.conn().query_row("SELECT COUNT(*) FROM staff", [], |r| r.get(0))?)
}
