//! Persistence of credits (migration `0003_credits`): granted, imported and manual credits,
//! revocation, manual-credit review with its trail, evidence files by hash, exemptions per
//! person-year, the rule set chosen per CME year, and the compliance / forecast runs over the
//! stored data. Every write goes through [`Desk::change`] (row + audit log + outbox in one
//! transaction); the decisions themselves are the pure functions of `grant`, `manual_credits`,
//! `compliance` and `forecast`.
//!
//! Permissions are the core's [`Permission`]s (deny by default, `Role::allows`); the store adds
//! only the data-dependent part: a department-scoped permission (entry, department review)
//! holds for staff of the operator's own department.
//!
//! A person-year marked for the health bureau ([`annual_review`]) is locked: every write here
//! checks it inside its transaction and is refused with `ANNUAL_REVIEW_LOCKED`.

use std::collections::HashSet;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::compliance::{self, ComplianceInput, ComplianceReport, StaffYear};
use crate::credits::{
    Centi, CreditClass, CreditError, CreditRecord, CreditSource, RateSnapshot, ReviewStatus, Subject,
};
use crate::error::{CoreError, Result};
use crate::forecast::{self, Forecast, ScheduledCredit};
use crate::manual_credits::{
    self, Evidence, ManualCreditForm, ReviewDecision, ReviewLevel, ReviewPolicy, ReviewTrail, SaveMode,
};
use crate::remote_learning::{ExamRecord, LearningRecord, RemoteOutcome, RemotePolicy, RemoteProject};
use crate::rules::{RuleBook, RuleSet};
use crate::{Actor, Desk, Permission, annual_review};

const ENTITY: &str = "credit";

/// A stored credit with its revocation state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StoredCredit {
    /// The record.
    #[serde(flatten)]
    pub record: CreditRecord,
    /// When revoked.
    pub revoked_at: Option<String>,
    /// Why revoked.
    pub revoked_reason: Option<String>,
}

/// A manual credit with its form and review trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ManualCredit {
    /// The record.
    pub credit: CreditRecord,
    /// The form as entered.
    pub form: ManualCreditForm,
    /// Review state and steps.
    pub trail: ReviewTrail,
}

/// What recording a batch of system credits did. Recording the same grant twice inserts nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct SaveReport {
    /// New credits.
    pub inserted: usize,
    /// Existing credits whose amount or details changed (a re-grant with another strategy).
    pub updated: usize,
    /// Identical credits already stored, or revoked ones (a revocation stands).
    pub unchanged: usize,
}

/// Filter for [`list`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CreditFilter {
    /// One person.
    pub staff_id: Option<String>,
    /// One CME year.
    pub cme_year: Option<i32>,
    /// One project.
    pub project_id: Option<String>,
    /// Include revoked credits.
    pub include_revoked: bool,
}

/// A department-scoped permission holds only for staff of the operator's own department.
fn require_own_department(
    desk: &Desk,
    actor: &Actor,
    staff_id: &str,
    permission: &'static str,
    permission_zh: &'static str,
) -> Result<()> {
    let dept = staff_department(desk, staff_id)?;
    if actor.operator.department_id.as_deref() == Some(dept.as_str()) {
        return Ok(());
    }
    Err(CoreError::Forbidden {
        operator: actor.operator.username.clone(),
        role: actor.operator.role.as_str(),
        permission,
        permission_zh,
    })
}

/// Entry for anybody ([`Permission::EnterCredits`]), or for the operator's own department
/// ([`Permission::EnterDepartmentCredits`]).
fn require_entry_for(desk: &Desk, actor: &Actor, staff_id: &str) -> Result<()> {
    if actor.allows(Permission::EnterCredits) {
        return Ok(());
    }
    actor.require(Permission::EnterDepartmentCredits)?;
    require_own_department(
        desk,
        actor,
        staff_id,
        "enter credits for another department",
        "录入其他科室人员的学分",
    )
}

fn staff_department(desk: &Desk, staff_id: &str) -> Result<String> {
    desk.conn()
        .query_row("SELECT department_id FROM staff WHERE id = ?1", [staff_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: "staff", entity_zh: "人员", key: staff_id.to_string()
        })
}

fn corrupt(e: impl std::fmt::Display) -> CoreError {
    CoreError::Corrupt(e.to_string())
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(corrupt)
}

fn enum_text<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v).map_err(corrupt)? {
        serde_json::Value::String(s) => Ok(s),
        other => Err(corrupt(format!("not a text enum: {other}"))),
    }
}

fn from_text<T: for<'de> Deserialize<'de>>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn from_json<T: for<'de> Deserialize<'de>>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

pub(crate) const COLUMNS: &str =
    "id, staff_id, cme_year, rule_set, activity_date, source, project_id, project_code,
    activity_name, category, credit_level, class, credits_x100, hours_x100, subject, issuer,
    review_status, rate_json, cap_x100, platform, revoked_at, revoked_reason";

pub(crate) fn row(r: &Row<'_>) -> rusqlite::Result<StoredCredit> {
    let activity_date: String = r.get(4)?;
    let source: String = r.get(5)?;
    let class: Option<String> = r.get(11)?;
    let subject: String = r.get(14)?;
    let status: String = r.get(16)?;
    let rate: Option<String> = r.get(17)?;
    Ok(StoredCredit {
        record: CreditRecord {
            id: r.get(0)?,
            staff_id: r.get(1)?,
            cme_year: r.get(2)?,
            rule_set: r.get(3)?,
            activity_date: NaiveDate::parse_from_str(&activity_date, "%Y-%m-%d").map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, Box::new(e))
            })?,
            source: from_text::<CreditSource>(&source)?,
            project_id: r.get(6)?,
            project_code: r.get(7)?,
            activity_name: r.get(8)?,
            category: r.get(9)?,
            credit_level: r.get(10)?,
            class: class.as_deref().map(from_text::<CreditClass>).transpose()?,
            credits: Centi(r.get(12)?),
            hours: Centi(r.get(13)?),
            subject: from_text::<Subject>(&subject)?,
            issuer: r.get(15)?,
            review_status: from_text::<ReviewStatus>(&status)?,
            rate: rate.as_deref().map(from_json::<RateSnapshot>).transpose()?,
            cap: r.get::<_, Option<i64>>(18)?.map(Centi),
            platform: r.get(19)?,
        },
        revoked_at: r.get(20)?,
        revoked_reason: r.get(21)?,
    })
}

/// The record's columns in [`COLUMNS`] order up to `platform` (revocation is written on its
/// own), then the time of writing: the parameters of both [`insert`] and [`update`].
fn record_params(c: &CreditRecord, now: &str) -> Result<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value;
    let text = |s: &str| Value::Text(s.to_string());
    let opt = |s: &Option<String>| s.as_deref().map_or(Value::Null, text);
    Ok(vec![
        text(&c.id),
        text(&c.staff_id),
        Value::Integer(c.cme_year.into()),
        text(&c.rule_set),
        Value::Text(c.activity_date.format("%Y-%m-%d").to_string()),
        Value::Text(enum_text(&c.source)?),
        opt(&c.project_id),
        opt(&c.project_code),
        text(&c.activity_name),
        text(&c.category),
        opt(&c.credit_level),
        opt(&c.class.map(|k| enum_text(&k)).transpose()?),
        Value::Integer(c.credits.hundredths()),
        Value::Integer(c.hours.hundredths()),
        Value::Text(enum_text(&c.subject)?),
        text(&c.issuer),
        Value::Text(enum_text(&c.review_status)?),
        opt(&c.rate.as_ref().map(to_json).transpose()?),
        c.cap.map_or(Value::Null, |x| Value::Integer(x.hundredths())),
        opt(&c.platform),
        text(now),
    ])
}

pub(crate) fn insert(conn: &rusqlite::Connection, c: &CreditRecord, now: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO credits(id, staff_id, cme_year, rule_set, activity_date, source, project_id, project_code,
            activity_name, category, credit_level, class, credits_x100, hours_x100, subject, issuer,
            review_status, rate_json, cap_x100, platform, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?21)",
    )?
    .execute(rusqlite::params_from_iter(record_params(c, now)?))?;
    Ok(())
}

pub(crate) fn update(conn: &rusqlite::Connection, c: &CreditRecord, now: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE credits SET staff_id = ?2, cme_year = ?3, rule_set = ?4, activity_date = ?5,
            source = ?6, project_id = ?7, project_code = ?8, activity_name = ?9, category = ?10,
            credit_level = ?11, class = ?12, credits_x100 = ?13, hours_x100 = ?14, subject = ?15,
            issuer = ?16, review_status = ?17, rate_json = ?18, cap_x100 = ?19, platform = ?20,
            updated_at = ?21
         WHERE id = ?1",
    )?
    .execute(rusqlite::params_from_iter(record_params(c, now)?))?;
    Ok(())
}

/// One credit by id.
pub fn get(desk: &Desk, id: &str) -> Result<StoredCredit> {
    desk.conn()
        .query_row(&format!("SELECT {COLUMNS} FROM credits WHERE id = ?1"), [id], row)
        .optional()?
        .ok_or_else(|| CoreError::NotFound { entity: ENTITY, entity_zh: "学分", key: id.to_string() })
}

/// Credits matching the filter, by activity date then id.
pub fn list(desk: &Desk, filter: &CreditFilter) -> Result<Vec<StoredCredit>> {
    let mut stmt = desk.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM credits
         WHERE (?1 IS NULL OR staff_id = ?1) AND (?2 IS NULL OR cme_year = ?2)
           AND (?3 IS NULL OR project_id = ?3) AND (?4 OR revoked_at IS NULL)
         ORDER BY activity_date, id"
    ))?;
    let rows = stmt
        .query_map(params![filter.staff_id, filter.cme_year, filter.project_id, filter.include_revoked], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Records system credits (a grant, speakers, a remote-learning import). Idempotent: stored
/// identical credits are left alone, so granting twice changes nothing; a changed amount is an
/// update with its own audit entry; a revoked credit stays revoked.
pub fn record_credits(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    credits: &[CreditRecord],
) -> Result<SaveReport> {
    actor.require(Permission::GrantCredits)?;
    let mut report = SaveReport::default();
    let mut work: Vec<(Option<CreditRecord>, &CreditRecord)> = Vec::new();
    for c in credits {
        if c.source == CreditSource::Manual {
            return Err(CoreError::InvalidField {
                field: "source",
                code: "CREDIT_SOURCE_MANUAL",
                zh: "手工学分须通过学分录入保存".into(),
                en: "manual credits are saved through manual entry".into(),
            });
        }
        match get(desk, &c.id) {
            Ok(existing) if existing.revoked_at.is_some() || existing.record == *c => {
                report.unchanged += 1;
            }
            Ok(existing) => work.push((Some(existing.record), c)),
            Err(CoreError::NotFound { .. }) => work.push((None, c)),
            Err(e) => return Err(e),
        }
    }
    if work.is_empty() {
        return Ok(report);
    }
    for (_, c) in &work {
        ensure_open(book, &c.rule_set, c.cme_year, actor.today())?;
    }
    desk.change(actor, |ch| {
        let now = ch.actor().timestamp();
        for (before, after) in &work {
            annual_review::ensure_unlocked(ch.tx(), &after.staff_id, after.cme_year)?;
            if let Some(b) = before {
                annual_review::ensure_unlocked(ch.tx(), &b.staff_id, b.cme_year)?;
            }
            match before {
                None => {
                    insert(ch.tx(), after, &now)?;
                    ch.record("credit.grant", ENTITY, &after.id, None, Some(*after))?;
                    report.inserted += 1;
                }
                Some(b) => {
                    update(ch.tx(), after, &now)?;
                    ch.record("credit.regrant", ENTITY, &after.id, Some(b), Some(*after))?;
                    report.updated += 1;
                }
            }
        }
        Ok(report)
    })
}

/// A closed (locked) CME year is frozen: nothing is granted, imported or revoked in it.
fn ensure_open(book: &RuleBook, rule_set: &str, year: i32, today: NaiveDate) -> Result<()> {
    let cy = book.get(rule_set)?.year(year)?;
    if cy.is_locked(today) {
        return Err(CreditError::YearLocked { year, locked_on: cy.locks_on }.into());
    }
    Ok(())
}

/// Revokes a credit (an event: the row stays, marked, with the reason).
pub fn revoke(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    credit_id: &str,
    reason: &str,
) -> Result<StoredCredit> {
    actor.require(Permission::RevokeCredits)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(CreditError::ReasonRequired.into());
    }
    let before = get(desk, credit_id)?;
    ensure_open(book, &before.record.rule_set, before.record.cme_year, actor.today())?;
    if before.revoked_at.is_some() {
        return Err(CoreError::Conflict {
            code: "CREDIT_ALREADY_REVOKED",
            zh: "该学分已撤销".into(),
            en: "the credit is already revoked".into(),
        });
    }
    let after = StoredCredit {
        revoked_at: Some(actor.timestamp()),
        revoked_reason: Some(reason.to_string()),
        ..before.clone()
    };
    desk.change(actor, |ch| {
        annual_review::ensure_unlocked(ch.tx(), &before.record.staff_id, before.record.cme_year)?;
        ch.tx().execute(
            "UPDATE credits SET revoked_at = ?2, revoked_reason = ?3, updated_at = ?2 WHERE id = ?1",
            params![credit_id, after.revoked_at, after.revoked_reason],
        )?;
        ch.record("credit.revoke", ENTITY, credit_id, Some(&before), Some(&after))?;
        Ok(after.clone())
    })
}

/// Chooses the rule set of a CME year.
pub fn set_year_rule_set(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    year: i32,
    rule_set: &str,
) -> Result<()> {
    actor.require(Permission::ChooseRuleSet)?;
    let rs = book.get(rule_set)?;
    rs.year(year)?;
    let before: Option<String> = desk
        .conn()
        .query_row("SELECT rule_set FROM cme_year_rule_sets WHERE cme_year = ?1", [year], |r| r.get(0))
        .optional()?;
    desk.change(actor, |ch| {
        ch.tx().execute(
            "INSERT INTO cme_year_rule_sets(cme_year, rule_set) VALUES (?1, ?2)
             ON CONFLICT(cme_year) DO UPDATE SET rule_set = excluded.rule_set",
            params![year, rule_set],
        )?;
        ch.record(
            "rule_set.choose",
            "cme_year_rule_set",
            &year.to_string(),
            before.as_deref(),
            Some(rule_set),
        )?;
        Ok(())
    })
}

/// The rule set of a CME year: the chosen one, else the national one covering it.
pub fn rule_set_for_year<'b>(desk: &Desk, book: &'b RuleBook, year: i32) -> Result<&'b RuleSet> {
    let chosen: Option<String> = desk
        .conn()
        .query_row("SELECT rule_set FROM cme_year_rule_sets WHERE cme_year = ?1", [year], |r| r.get(0))
        .optional()?;
    Ok(match chosen {
        Some(id) => book.get(&id)?,
        None => book.national_for_year(year)?,
    })
}

/// The rule set whose CME year contains a date (years may not follow the calendar). A rule set
/// chosen for a year wins over the national default of a neighbouring year.
pub fn rule_set_for_date<'b>(desk: &Desk, book: &'b RuleBook, date: NaiveDate) -> Result<&'b RuleSet> {
    use chrono::Datelike;
    let years = [date.year(), date.year() + 1, date.year() - 1];
    for y in years {
        let chosen: Option<String> = desk
            .conn()
            .query_row("SELECT rule_set FROM cme_year_rule_sets WHERE cme_year = ?1", [y], |r| r.get(0))
            .optional()?;
        if let Some(id) = chosen {
            let rs = book.get(&id)?;
            if rs.year(y).is_ok_and(|cy| cy.contains(date)) {
                return Ok(rs);
            }
        }
    }
    for y in years {
        if let Ok(rs) = book.national_for_year(y)
            && rs.year(y).is_ok_and(|cy| cy.contains(date))
        {
            return Ok(rs);
        }
    }
    Err(CreditError::DateOutsideYears { rule_set: "configured".into(), date }.into())
}

fn evidence_list(desk: &Desk, credit_id: &str) -> Result<Vec<Evidence>> {
    let mut stmt = desk.conn().prepare(
        "SELECT ce.file_name, ce.sha256, ef.size FROM credit_evidence ce
         JOIN evidence_files ef ON ef.sha256 = ce.sha256 WHERE ce.credit_id = ?1 ORDER BY ce.file_name",
    )?;
    let rows = stmt
        .query_map([credit_id], |r| {
            Ok(Evidence {
                file_name: r.get(0)?,
                sha256: r.get(1)?,
                size: r.get::<_, i64>(2)?.try_into().unwrap_or(0),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The bytes of an evidence file, checked against its hash.
pub fn evidence_content(desk: &Desk, sha256: &str) -> Result<Vec<u8>> {
    let bytes: Vec<u8> = desk
        .conn()
        .query_row("SELECT content FROM evidence_files WHERE sha256 = ?1", [sha256], |r| r.get(0))
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: "evidence",
            entity_zh: "证明材料",
            key: sha256.to_string(),
        })?;
    if crate::store::sha256_hex(&bytes) != sha256 {
        return Err(CoreError::Corrupt(format!("evidence {sha256} does not match its hash")));
    }
    Ok(bytes)
}

/// A new evidence file: its name and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvidence {
    /// File name.
    pub file_name: String,
    /// Content.
    pub content: Vec<u8>,
}

fn describe(files: &[NewEvidence]) -> Vec<Evidence> {
    files
        .iter()
        .map(|f| Evidence {
            file_name: f.file_name.clone(),
            sha256: Sha256::digest(&f.content).iter().map(|b| format!("{b:02x}")).collect(),
            size: f.content.len() as u64,
        })
        .collect()
}

fn write_evidence(
    conn: &rusqlite::Connection,
    credit_id: &str,
    kept: &[Evidence],
    files: &[NewEvidence],
) -> Result<()> {
    conn.execute("DELETE FROM credit_evidence WHERE credit_id = ?1", [credit_id])?;
    for (f, e) in files.iter().zip(describe(files)) {
        conn.execute(
            "INSERT OR IGNORE INTO evidence_files(sha256, size, content) VALUES (?1, ?2, ?3)",
            params![e.sha256, f.content.len() as i64, f.content],
        )?;
    }
    for e in kept.iter().chain(describe(files).iter()) {
        conn.execute(
            "INSERT OR IGNORE INTO credit_evidence(credit_id, sha256, file_name) VALUES (?1, ?2, ?3)",
            params![credit_id, e.sha256, e.file_name],
        )?;
    }
    Ok(())
}

/// A manual credit with its form and trail.
pub fn manual_detail(desk: &Desk, credit_id: &str) -> Result<ManualCredit> {
    let credit = get(desk, credit_id)?.record;
    let (form, trail): (String, String) = desk
        .conn()
        .query_row(
            "SELECT form_json, trail_json FROM manual_credits WHERE credit_id = ?1",
            [credit_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: "manual credit",
            entity_zh: "手工录入学分",
            key: credit_id.to_string(),
        })?;
    let mut form: ManualCreditForm = serde_json::from_str(&form).map_err(corrupt)?;
    form.evidence = evidence_list(desk, credit_id)?;
    Ok(ManualCredit { credit, form, trail: serde_json::from_str(&trail).map_err(corrupt)? })
}

/// Enters a manual credit (保存 or 保存并上报). `files` are new evidence files; `form.evidence`
/// is ignored here (it lists the files after saving).
pub fn add_manual(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    mut form: ManualCreditForm,
    files: &[NewEvidence],
    mode: SaveMode,
) -> Result<ManualCredit> {
    require_entry_for(desk, actor, &form.staff_id)?;
    let rs = rule_set_for_date(desk, book, form.activity_date)?;
    form.evidence = describe(files);
    desk.change(actor, |ch| {
        let id = ch.new_id();
        let (credit, trail) = manual_credits::prepare(&form, rs, &id, mode, ch.actor().today())?;
        annual_review::ensure_unlocked(ch.tx(), &credit.staff_id, credit.cme_year)?;
        let now = ch.actor().timestamp();
        insert(ch.tx(), &credit, &now)?;
        ch.tx().execute(
            "INSERT INTO manual_credits(credit_id, form_json, trail_json) VALUES (?1, ?2, ?3)",
            params![id, to_json(&form)?, to_json(&trail)?],
        )?;
        write_evidence(ch.tx(), &id, &[], files)?;
        let out = ManualCredit { credit, form: form.clone(), trail };
        ch.record("credit.manual.add", ENTITY, &id, None, Some(&out))?;
        Ok(out)
    })
}

/// Edits a draft or returned manual credit. `form.evidence` lists stored files to keep; `files`
/// adds new ones.
pub fn edit_manual(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    credit_id: &str,
    mut form: ManualCreditForm,
    files: &[NewEvidence],
    mode: SaveMode,
) -> Result<ManualCredit> {
    read_only_unless_manual(desk, credit_id)?;
    let before = manual_detail(desk, credit_id)?;
    require_entry_for(desk, actor, &before.credit.staff_id)?;
    require_entry_for(desk, actor, &form.staff_id)?;
    let old_rs = book.get(&before.credit.rule_set)?;
    let old_year = old_rs.year(before.credit.cme_year)?;
    manual_credits::check_editable(&before.credit, &before.trail, &old_year, actor.today())?;
    let rs = rule_set_for_date(desk, book, form.activity_date)?;
    let kept: Vec<Evidence> = form
        .evidence
        .iter()
        .filter(|e| before.form.evidence.iter().any(|b| b.sha256 == e.sha256))
        .cloned()
        .collect();
    form.evidence = kept.iter().cloned().chain(describe(files)).collect();
    let (mut credit, fresh) = manual_credits::prepare(&form, rs, credit_id, mode, actor.today())?;
    // Editing keeps the trail; saving as draft after a return keeps it returned.
    let mut trail = before.trail.clone();
    if fresh.status == ReviewStatus::Pending {
        trail = manual_credits::submit(&form, rs, &trail, &rs.year(credit.cme_year)?, actor.today())?;
    }
    credit.review_status = trail.status;
    desk.change(actor, |ch| {
        annual_review::ensure_unlocked(ch.tx(), &before.credit.staff_id, before.credit.cme_year)?;
        annual_review::ensure_unlocked(ch.tx(), &credit.staff_id, credit.cme_year)?;
        let now = ch.actor().timestamp();
        update(ch.tx(), &credit, &now)?;
        ch.tx().execute(
            "UPDATE manual_credits SET form_json = ?2, trail_json = ?3 WHERE credit_id = ?1",
            params![credit_id, to_json(&form)?, to_json(&trail)?],
        )?;
        write_evidence(ch.tx(), credit_id, &kept, files)?;
        let out = ManualCredit { credit: credit.clone(), form: form.clone(), trail: trail.clone() };
        ch.record("credit.manual.edit", ENTITY, credit_id, Some(&before), Some(&out))?;
        Ok(out)
    })
}

/// Platform, attendance and speaker credits are read-only: only manual ones are edited.
fn read_only_unless_manual(desk: &Desk, credit_id: &str) -> Result<()> {
    let c = get(desk, credit_id)?;
    if c.record.source != CreditSource::Manual {
        return Err(CreditError::CreditReadOnly { source_name: c.record.source.as_str().to_string() }.into());
    }
    Ok(())
}

/// What a remote-learning import decided and stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RemoteImport {
    /// Completions and the reasons for the others.
    pub outcome: RemoteOutcome,
    /// Staff ids in the platform file that are not on the roster (nothing stored for them).
    pub unknown_staff: Vec<String>,
    /// What was written.
    pub saved: SaveReport,
}

/// Imports a remote platform's learning records for a project (seed 000): judges completion per
/// platform and stores the credits (read-only, idempotent: importing the same file twice stores
/// nothing new). A project not hosted by this desk is stored by code only.
pub fn import_remote(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    project: &RemoteProject,
    records: &[LearningRecord],
    exams: &[ExamRecord],
    policy: &RemotePolicy,
) -> Result<RemoteImport> {
    // The decision is the dry run's; then it is stored.
    let outcome = super::remote_project::preview_remote(desk, actor, book, project, records, exams, policy)?;
    let hosted: bool = desk
        .conn()
        .query_row("SELECT 1 FROM projects WHERE id = ?1", [&project.id], |_| Ok(()))
        .optional()?
        .is_some();
    let roster: HashSet<String> = {
        let mut stmt = desk.conn().prepare("SELECT id FROM staff")?;
        stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
    };
    let mut unknown_staff: Vec<String> =
        records.iter().map(|r| r.staff_id.clone()).filter(|s| !roster.contains(s)).collect();
    unknown_staff.sort();
    unknown_staff.dedup();
    let credits: Vec<CreditRecord> = outcome
        .credits
        .iter()
        .filter(|c| roster.contains(&c.staff_id))
        .cloned()
        .map(|mut c| {
            if !hosted {
                c.project_id = None;
            }
            c
        })
        .collect();
    let saved = record_credits(desk, actor, book, &credits)?;
    Ok(RemoteImport { outcome, unknown_staff, saved })
}

/// 上报: submits a draft or returned manual credit.
pub fn submit_manual(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    credit_id: &str,
) -> Result<ManualCredit> {
    let before = manual_detail(desk, credit_id)?;
    require_entry_for(desk, actor, &before.credit.staff_id)?;
    let rs = book.get(&before.credit.rule_set)?;
    let year = rs.year(before.credit.cme_year)?;
    let trail = manual_credits::submit(&before.form, rs, &before.trail, &year, actor.today())?;
    let mut out = save_trails(desk, actor, "credit.manual.submit", vec![(before, trail)])?;
    out.pop().ok_or_else(|| CoreError::Corrupt("submit wrote nothing".into()))
}

/// The review level of the actor for a staff member's credit: department for their own
/// department's secretary, hospital for officers and admins.
fn review_level(desk: &Desk, actor: &Actor, staff_id: &str) -> Result<ReviewLevel> {
    if actor.allows(Permission::ReviewCreditsHospital) {
        return Ok(ReviewLevel::Hospital);
    }
    actor.require(Permission::ReviewCreditsDepartment)?;
    require_own_department(
        desk,
        actor,
        staff_id,
        "review credits of another department",
        "审核其他科室人员的学分",
    )?;
    Ok(ReviewLevel::Department)
}

fn decide(
    book: &RuleBook,
    actor: &Actor,
    level: ReviewLevel,
    before: &ManualCredit,
    decision: ReviewDecision,
    reason: Option<&str>,
    policy: ReviewPolicy,
) -> Result<ReviewTrail> {
    let rs = book.get(&before.credit.rule_set)?;
    let year = rs.year(before.credit.cme_year)?;
    Ok(manual_credits::review(
        &before.trail,
        policy,
        level,
        decision,
        reason,
        &actor.operator.username,
        actor.now,
        &year,
    )?)
}

/// A review decision on one record (per-record mode); the level follows the reviewer's role.
pub fn review_manual(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    credit_id: &str,
    decision: ReviewDecision,
    reason: Option<&str>,
    policy: ReviewPolicy,
) -> Result<ManualCredit> {
    let before = manual_detail(desk, credit_id)?;
    let level = review_level(desk, actor, &before.credit.staff_id)?;
    let trail = decide(book, actor, level, &before, decision, reason, policy)?;
    let mut out = save_trails(desk, actor, "credit.manual.review", vec![(before, trail)])?;
    out.pop().ok_or_else(|| CoreError::Corrupt("review wrote nothing".into()))
}

/// Per-person mode (W7): one decision on every credit of a person and year that awaits the
/// reviewer's level, in one transaction. Credits not awaiting this level are left alone.
#[allow(clippy::too_many_arguments)]
pub fn review_person(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    staff_id: &str,
    year: i32,
    decision: ReviewDecision,
    reason: Option<&str>,
    policy: ReviewPolicy,
) -> Result<Vec<ManualCredit>> {
    let level = review_level(desk, actor, staff_id)?;
    // A locked person-year has nothing to review; say why rather than "nothing waiting".
    annual_review::ensure_unlocked(desk.conn(), staff_id, year)?;
    let ids: Vec<String> = list(
        desk,
        &CreditFilter {
            staff_id: Some(staff_id.to_string()),
            cme_year: Some(year),
            ..CreditFilter::default()
        },
    )?
    .into_iter()
    .filter(|c| c.record.source == CreditSource::Manual && c.record.review_status == ReviewStatus::Pending)
    .map(|c| c.record.id)
    .collect();
    let mut work = Vec::new();
    for id in ids {
        let before = manual_detail(desk, &id)?;
        let waiting = match level {
            ReviewLevel::Department => !before.trail.department_approved && !before.trail.hospital_acted,
            ReviewLevel::Hospital => !policy.department_required || before.trail.department_approved,
        };
        if waiting {
            let trail = decide(book, actor, level, &before, decision, reason, policy)?;
            work.push((before, trail));
        }
    }
    if work.is_empty() {
        return Err(CoreError::Conflict {
            code: "NOTHING_TO_REVIEW",
            zh: "该人员本年度没有待本级审核的学分".into(),
            en: "no credit of this person and year awaits this review level".into(),
        });
    }
    save_trails(desk, actor, "credit.manual.review", work)
}

fn save_trails(
    desk: &mut Desk,
    actor: &Actor,
    action: &str,
    work: Vec<(ManualCredit, ReviewTrail)>,
) -> Result<Vec<ManualCredit>> {
    desk.change(actor, |ch| {
        let now = ch.actor().timestamp();
        let mut out = Vec::with_capacity(work.len());
        for (before, trail) in &work {
            annual_review::ensure_unlocked(ch.tx(), &before.credit.staff_id, before.credit.cme_year)?;
            let mut after = before.clone();
            after.credit.review_status = trail.status;
            after.trail = trail.clone();
            ch.tx().execute(
                "UPDATE credits SET review_status = ?2, updated_at = ?3 WHERE id = ?1",
                params![after.credit.id, enum_text(&after.credit.review_status)?, now],
            )?;
            ch.tx().execute(
                "UPDATE manual_credits SET trail_json = ?2 WHERE credit_id = ?1",
                params![after.credit.id, to_json(&after.trail)?],
            )?;
            ch.record(action, ENTITY, &after.credit.id, Some(before), Some(&after))?;
            out.push(after);
        }
        Ok(out)
    })
}

/// Sets (Some) or clears (None) the 不计达标 exemption of a person for a year.
pub fn set_exemption(
    desk: &mut Desk,
    actor: &Actor,
    staff_id: &str,
    year: i32,
    reason: Option<&str>,
) -> Result<()> {
    actor.require(Permission::SetExemptions)?;
    staff_department(desk, staff_id)?;
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let before: Option<String> = desk
        .conn()
        .query_row(
            "SELECT reason FROM compliance_exemptions WHERE staff_id = ?1 AND cme_year = ?2",
            params![staff_id, year],
            |r| r.get(0),
        )
        .optional()?;
    if before.as_deref() == reason {
        return Ok(());
    }
    let key = format!("{staff_id}/{year}");
    desk.change(actor, |ch| {
        annual_review::ensure_unlocked(ch.tx(), staff_id, year)?;
        match reason {
            Some(r) => ch.tx().execute(
                "INSERT INTO compliance_exemptions(staff_id, cme_year, reason, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(staff_id, cme_year) DO UPDATE SET reason = excluded.reason",
                params![staff_id, year, r, ch.actor().timestamp()],
            )?,
            None => ch.tx().execute(
                "DELETE FROM compliance_exemptions WHERE staff_id = ?1 AND cme_year = ?2",
                params![staff_id, year],
            )?,
        };
        ch.record("compliance.exemption", "compliance_exemption", &key, before.as_deref(), reason)?;
        Ok(())
    })
}

/// Loads the compliance input for a year: current staff (not cancelled or transferred out),
/// optionally of one department and its sub-departments.
struct YearData {
    staff: Vec<StaffYear>,
    credits: Vec<CreditRecord>,
    history: Vec<CreditRecord>,
    revoked: HashSet<String>,
}

fn load_year(desk: &Desk, year: i32, department: Option<&str>) -> Result<YearData> {
    let departments: Option<HashSet<String>> = match department {
        Some(d) => Some(crate::departments::subtree_ids(desk, d)?.into_iter().collect()),
        None => None,
    };
    let mut stmt = desk.conn().prepare(
        "SELECT s.id, s.department_id, s.title_level, s.status, e.reason
         FROM staff s LEFT JOIN compliance_exemptions e ON e.staff_id = s.id AND e.cme_year = ?1
         WHERE s.status NOT IN ('cancelled', 'transferred_out') ORDER BY s.id",
    )?;
    let staff: Vec<StaffYear> = stmt
        .query_map([year], |r| {
            let status: String = r.get(3)?;
            let reason: Option<String> = r.get(4)?;
            Ok(StaffYear {
                staff_id: r.get(0)?,
                department_id: r.get(1)?,
                title_level: r.get(2)?,
                exemption: reason.or_else(|| (status == "exempt").then(|| "人员状态：不计达标".to_string())),
                deemed_complete: None,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
        .into_iter()
        .filter(|s| {
            departments.as_ref().is_none_or(|d| s.department_id.as_ref().is_some_and(|x| d.contains(x)))
        })
        .collect();
    let all =
        list(desk, &CreditFilter { cme_year: Some(year), include_revoked: true, ..CreditFilter::default() })?;
    let revoked: HashSet<String> =
        all.iter().filter(|c| c.revoked_at.is_some()).map(|c| c.record.id.clone()).collect();
    let credits: Vec<CreditRecord> = all.into_iter().map(|c| c.record).collect();
    let mut hist = desk.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM credits WHERE cme_year < ?1 AND cme_year >= ?1 - 10
           AND credit_level = 'national' AND revoked_at IS NULL"
    ))?;
    let history: Vec<CreditRecord> =
        hist.query_map([year], row)?.map(|r| r.map(|c| c.record)).collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(YearData { staff, credits, history, revoked })
}

/// Compliance of a year over the stored data, under the year's rule set.
pub fn compliance_report(
    desk: &Desk,
    book: &RuleBook,
    year: i32,
    department: Option<&str>,
    hospital_kind: Option<&str>,
) -> Result<ComplianceReport> {
    let rs = rule_set_for_year(desk, book, year)?;
    let YearData { staff, credits, history, revoked } = load_year(desk, year, department)?;
    Ok(compliance::evaluate(&ComplianceInput {
        rule_set: rs,
        year,
        staff: &staff,
        credits: &credits,
        history: &history,
        revoked: &revoked,
        hospital_kind,
    })?)
}

/// Forecast of a year as of a day, counting credits in review and the scheduled credits given.
pub fn forecast_report(
    desk: &Desk,
    book: &RuleBook,
    year: i32,
    as_of: NaiveDate,
    department: Option<&str>,
    hospital_kind: Option<&str>,
    scheduled: &[ScheduledCredit],
) -> Result<Forecast> {
    let rs = rule_set_for_year(desk, book, year)?;
    let YearData { staff, credits, history, revoked } = load_year(desk, year, department)?;
    Ok(forecast::forecast(
        &ComplianceInput {
            rule_set: rs,
            year,
            staff: &staff,
            credits: &credits,
            history: &history,
            revoked: &revoked,
            hospital_kind,
        },
        scheduled,
        as_of,
    )?)
}

/// One person's compliance for a year (the "my credits" page): the same evaluation as
/// [`compliance_report`], over that person's credits only. `None` when the person is not
/// evaluated that year (cancelled or transferred out).
pub fn person_compliance(
    desk: &Desk,
    book: &RuleBook,
    year: i32,
    staff_id: &str,
    hospital_kind: Option<&str>,
) -> Result<Option<(ComplianceReport, Vec<StoredCredit>)>> {
    let rs = rule_set_for_year(desk, book, year)?;
    let YearData { mut staff, mut credits, mut history, mut revoked } = load_year(desk, year, None)?;
    staff.retain(|s| s.staff_id == staff_id);
    if staff.is_empty() {
        return Ok(None);
    }
    credits.retain(|c| c.staff_id == staff_id);
    history.retain(|c| c.staff_id == staff_id);
    revoked.retain(|id| credits.iter().any(|c| &c.id == id));
    let report = compliance::evaluate(&ComplianceInput {
        rule_set: rs,
        year,
        staff: &staff,
        credits: &credits,
        history: &history,
        revoked: &revoked,
        hospital_kind,
    })?;
    let stored = list(
        desk,
        &CreditFilter {
            staff_id: Some(staff_id.to_string()),
            cme_year: Some(year),
            include_revoked: true,
            ..CreditFilter::default()
        },
    )?;
    Ok(Some((report, stored)))
}
