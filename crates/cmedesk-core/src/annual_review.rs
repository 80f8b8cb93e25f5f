//! 年度审验 (annual review, domain.md W7; seed 003 「学分审核」): once a year the hospital reviews
//! the manual credits of a CME year — the initial review (医院初审), due by a configurable date
//! (10 September of the CME year unless set), per record or per person — then marks people for
//! the health bureau (报卫生局). Marking snapshots the person's compliance and locks the
//! person-year: from then on none of that person's credits of the year changes (entry, edit,
//! submit, review, grant, revocation, exemption), each refused with `ANNUAL_REVIEW_LOCKED`. The
//! bureau's result (合格 / 不合格) is recorded once, on a marked person-year.
//!
//! Not the audit log (操作日志). Every write goes through [`Desk::change`].

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::compliance::ComplianceStatus;
use crate::credits::Centi;
use crate::credits::store::{self as credit_store, ManualCredit};
use crate::error::{CoreError, Result};
use crate::manual_credits::{ReviewDecision, ReviewPolicy};
use crate::rules::RuleBook;
use crate::{Actor, Desk, Permission};

const ENTITY: &str = "annual_review";
const YEAR_ENTITY: &str = "annual_review_year";

/// The initial-review deadline of a CME year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ReviewCalendar {
    pub cme_year: i32,
    /// Last day of the hospital's initial review (医院初审截止日期), inclusive.
    pub initial_review_by: NaiveDate,
    /// False while the default (10 September of the CME year) applies.
    pub configured: bool,
}

/// The health bureau's verdict on a marked person-year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum BureauResult {
    /// 合格.
    Passed,
    /// 不合格.
    Failed,
}

impl BureauResult {
    pub fn as_str(self) -> &'static str {
        match self {
            BureauResult::Passed => "passed",
            BureauResult::Failed => "failed",
        }
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            BureauResult::Passed => "合格",
            BureauResult::Failed => "不合格",
        }
    }
    pub fn parse(s: &str) -> Option<BureauResult> {
        [BureauResult::Passed, BureauResult::Failed]
            .into_iter()
            .find(|r| r.as_str() == s || r.label_zh() == s)
    }
}

/// A person-year marked for the health bureau (locked), with what was sent and the verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PersonYearReview {
    pub staff_id: String,
    pub cme_year: i32,
    pub marked_at: String,
    pub marked_by: String,
    /// Compliance when marked (what the hospital sent).
    pub compliance: ComplianceStatus,
    /// Counted credits and hours when marked.
    pub credits: Centi,
    pub hours: Centi,
    pub bureau_result: Option<BureauResult>,
    pub bureau_note: Option<String>,
    pub bureau_recorded_at: Option<String>,
}

/// Where one person stands in the annual review of a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PersonStatus {
    pub staff_id: String,
    pub name: String,
    pub department_id: String,
    /// Manual credits of the year submitted and not yet decided by the hospital (未审核).
    pub awaiting_review: u32,
    /// Manual credits the hospital approved (通过).
    pub approved: u32,
    /// Manual credits returned (退回) or rejected (不通过).
    pub returned_or_rejected: u32,
    /// Present once marked for the health bureau.
    pub review: Option<PersonYearReview>,
}

/// The annual review of a year: the deadline and everybody's progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct YearStatus {
    pub calendar: ReviewCalendar,
    /// The initial review still accepts decisions today.
    pub initial_review_open: bool,
    /// Current staff (not cancelled or transferred out), by department then name.
    pub people: Vec<PersonStatus>,
    pub awaiting_review: u32,
    pub marked: u32,
    pub bureau_recorded: u32,
}

/// Why a person was left out of a bulk marking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Skipped {
    pub staff_id: String,
    /// The error code a single marking would have been refused with.
    pub code: String,
    pub reason_zh: String,
}

/// What a marking did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct MarkReport {
    pub marked: Vec<PersonYearReview>,
    pub skipped: Vec<Skipped>,
}

/// Whom to mark for the bureau.
#[derive(Clone, Debug)]
pub enum Marking {
    /// These people: all of them or none (the error names the person).
    People(Vec<String>),
    /// Every current person of the department (and below) or the hospital who is ready; the
    /// others are reported as skipped.
    AllReady { department_id: Option<String> },
}

/// 10 September of the CME year (seed 003: 医院初审每年9月10日前完成).
pub fn default_deadline(year: i32) -> Result<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 9, 10).ok_or_else(|| {
        CoreError::invalid(
            "cme_year",
            "CME_YEAR_INVALID",
            format!("年度 {year} 无效"),
            format!("year {year} is invalid"),
        )
    })
}

/// The year's deadline: the configured one, else the default.
pub fn calendar(desk: &Desk, year: i32) -> Result<ReviewCalendar> {
    let set: Option<String> = desk
        .conn()
        .query_row("SELECT initial_review_by FROM annual_review_years WHERE cme_year = ?1", [year], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(match set {
        Some(d) => ReviewCalendar {
            cme_year: year,
            initial_review_by: d
                .parse()
                .map_err(|e| CoreError::Corrupt(format!("annual_review_years {year}: {e}")))?,
            configured: true,
        },
        None => {
            ReviewCalendar { cme_year: year, initial_review_by: default_deadline(year)?, configured: false }
        }
    })
}

/// Sets the initial-review deadline of a year (a day inside the CME year or after it).
pub fn set_deadline(desk: &mut Desk, actor: &Actor, year: i32, by: NaiveDate) -> Result<ReviewCalendar> {
    actor.require(Permission::AnnualReview)?;
    let before = calendar(desk, year)?;
    if by < NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(CoreError::invalid(
            "initial_review_by",
            "ANNUAL_REVIEW_DEADLINE_INVALID",
            format!("初审截止日期 {by} 早于 {year} 年度开始"),
            format!("deadline {by} is before CME year {year} starts"),
        ));
    }
    let after = ReviewCalendar { cme_year: year, initial_review_by: by, configured: true };
    if after == before {
        return Ok(after);
    }
    desk.change(actor, |c| {
        c.tx().execute(
            "INSERT INTO annual_review_years(cme_year, initial_review_by, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(cme_year) DO UPDATE SET initial_review_by = excluded.initial_review_by,
                                                 updated_at = excluded.updated_at",
            params![year, by.to_string(), c.actor().timestamp()],
        )?;
        c.record("annual_review.deadline", YEAR_ENTITY, &year.to_string(), Some(&before), Some(&after))?;
        Ok(after.clone())
    })
}

fn ensure_initial_review_open(desk: &Desk, actor: &Actor, year: i32) -> Result<()> {
    let cal = calendar(desk, year)?;
    if actor.today() > cal.initial_review_by {
        return Err(CoreError::Conflict {
            code: "ANNUAL_REVIEW_CLOSED",
            zh: format!("{year} 年度医院初审已于 {} 截止", cal.initial_review_by),
            en: format!("the initial review of CME year {year} closed on {}", cal.initial_review_by),
        });
    }
    Ok(())
}

/// Refuses any change to a person's credits of a year once it was marked for the bureau.
pub(crate) fn ensure_unlocked(conn: &Connection, staff_id: &str, year: i32) -> Result<()> {
    let marked: Option<String> = conn
        .prepare_cached("SELECT marked_at FROM annual_reviews WHERE staff_id = ?1 AND cme_year = ?2")?
        .query_row(params![staff_id, year], |r| r.get(0))
        .optional()?;
    match marked {
        None => Ok(()),
        Some(at) => Err(CoreError::Conflict {
            code: "ANNUAL_REVIEW_LOCKED",
            zh: format!("该人员 {year} 年度审验结果已于 {at} 报卫生局并锁定，不能再更改其本年度学分"),
            en: format!(
                "staff {staff_id}: CME year {year} was marked for the health bureau at {at} and is locked"
            ),
        }),
    }
}

/// Initial review, per-record mode: the hospital's decision on one manual credit, while the
/// year's initial review is open.
pub fn review_record(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    credit_id: &str,
    decision: ReviewDecision,
    reason: Option<&str>,
    policy: ReviewPolicy,
) -> Result<ManualCredit> {
    actor.require(Permission::ReviewCreditsHospital)?;
    let credit = credit_store::get(desk, credit_id)?;
    ensure_initial_review_open(desk, actor, credit.record.cme_year)?;
    credit_store::review_manual(desk, actor, book, credit_id, decision, reason, policy)
}

/// Initial review, per-person mode: one decision on every credit of the person and year that
/// awaits the hospital, while the year's initial review is open.
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
    actor.require(Permission::ReviewCreditsHospital)?;
    ensure_initial_review_open(desk, actor, year)?;
    credit_store::review_person(desk, actor, book, staff_id, year, decision, reason, policy)
}

struct Person {
    id: String,
    name: String,
    department_id: String,
}

fn people(desk: &Desk, department_id: Option<&str>) -> Result<Vec<Person>> {
    let within: Option<HashSet<String>> = match department_id {
        Some(d) => Some(crate::departments::subtree_ids(desk, d)?.into_iter().collect()),
        None => None,
    };
    let mut stmt = desk.conn().prepare(
        "SELECT s.id, s.name, s.department_id FROM staff s JOIN departments d ON d.id = s.department_id
         WHERE s.status NOT IN ('cancelled', 'transferred_out') ORDER BY d.sort, d.name, s.name, s.id",
    )?;
    let all = stmt
        .query_map([], |r| Ok(Person { id: r.get(0)?, name: r.get(1)?, department_id: r.get(2)? }))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(all.into_iter().filter(|p| within.as_ref().is_none_or(|w| w.contains(&p.department_id))).collect())
}

/// (awaiting, approved, returned or rejected) manual credits per person of a year, not revoked.
fn manual_counts(desk: &Desk, year: i32) -> Result<HashMap<String, (u32, u32, u32)>> {
    let mut stmt = desk.conn().prepare(
        "SELECT staff_id, review_status, COUNT(*) FROM credits
         WHERE cme_year = ?1 AND source = 'manual' AND revoked_at IS NULL GROUP BY staff_id, review_status",
    )?;
    let mut out: HashMap<String, (u32, u32, u32)> = HashMap::new();
    let rows = stmt
        .query_map([year], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?)))?;
    for row in rows {
        let (staff, status, n) = row?;
        let e = out.entry(staff).or_default();
        match status.as_str() {
            "pending" => e.0 += n,
            "approved" => e.1 += n,
            "returned" | "rejected" => e.2 += n,
            _ => {}
        }
    }
    Ok(out)
}

fn marked(desk: &Desk, year: i32) -> Result<HashMap<String, PersonYearReview>> {
    let mut stmt = desk.conn().prepare(
        "SELECT staff_id, cme_year, marked_at, marked_by, compliance, credits_x100, hours_x100,
                bureau_result, bureau_note, bureau_recorded_at
         FROM annual_reviews WHERE cme_year = ?1",
    )?;
    let rows = stmt.query_map([year], |r| {
        let compliance: String = r.get(4)?;
        let result: Option<String> = r.get(7)?;
        let bad = |i: usize, v: &str| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                format!("annual_reviews: unknown value {v}").into(),
            )
        };
        Ok(PersonYearReview {
            staff_id: r.get(0)?,
            cme_year: r.get(1)?,
            marked_at: r.get(2)?,
            marked_by: r.get(3)?,
            compliance: match compliance.as_str() {
                "compliant" => ComplianceStatus::Compliant,
                "non_compliant" => ComplianceStatus::NonCompliant,
                "exempt" => ComplianceStatus::Exempt,
                other => return Err(bad(4, other)),
            },
            credits: Centi(r.get(5)?),
            hours: Centi(r.get(6)?),
            bureau_result: match result.as_deref() {
                None => None,
                Some(v) => Some(BureauResult::parse(v).ok_or_else(|| bad(7, v))?),
            },
            bureau_note: r.get(8)?,
            bureau_recorded_at: r.get(9)?,
        })
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let row = row?;
        out.insert(row.staff_id.clone(), row);
    }
    Ok(out)
}

/// One person-year as marked, if it was.
pub fn get(desk: &Desk, staff_id: &str, year: i32) -> Result<Option<PersonYearReview>> {
    Ok(marked(desk, year)?.remove(staff_id))
}

/// The annual review of a year as of `today`: the deadline and everybody's progress.
pub fn status(desk: &Desk, year: i32, department_id: Option<&str>, today: NaiveDate) -> Result<YearStatus> {
    let calendar = calendar(desk, year)?;
    let counts = manual_counts(desk, year)?;
    let mut reviews = marked(desk, year)?;
    let people: Vec<PersonStatus> = people(desk, department_id)?
        .into_iter()
        .map(|p| {
            let (awaiting_review, approved, returned_or_rejected) =
                counts.get(&p.id).copied().unwrap_or_default();
            PersonStatus {
                review: reviews.remove(&p.id),
                staff_id: p.id,
                name: p.name,
                department_id: p.department_id,
                awaiting_review,
                approved,
                returned_or_rejected,
            }
        })
        .collect();
    Ok(YearStatus {
        initial_review_open: today <= calendar.initial_review_by,
        calendar,
        awaiting_review: people.iter().map(|p| p.awaiting_review).sum(),
        marked: people.iter().filter(|p| p.review.is_some()).count() as u32,
        bureau_recorded: people
            .iter()
            .filter(|p| p.review.as_ref().is_some_and(|r| r.bureau_result.is_some()))
            .count() as u32,
        people,
    })
}

/// 报卫生局: marks people's year for the health bureau, snapshotting their compliance under the
/// year's rule set, and locks it. A person with credits still awaiting the hospital's initial
/// review, or already marked, is refused (one person) or skipped (everybody ready).
pub fn mark_for_bureau(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    year: i32,
    whom: Marking,
    hospital_kind: Option<&str>,
) -> Result<MarkReport> {
    actor.require(Permission::AnnualReview)?;
    let counts = manual_counts(desk, year)?;
    let already = marked(desk, year)?;
    let (candidates, strict): (Vec<String>, bool) = match &whom {
        Marking::People(ids) => {
            for id in ids {
                crate::staff::get(desk, id)?;
            }
            (ids.clone(), true)
        }
        Marking::AllReady { department_id } => {
            (people(desk, department_id.as_deref())?.into_iter().map(|p| p.id).collect(), false)
        }
    };
    let report = credit_store::compliance_report(desk, book, year, None, hospital_kind)?;
    let compliance: HashMap<&str, _> = report.people.iter().map(|p| (p.staff_id.as_str(), p)).collect();
    let mut ready = Vec::new();
    let mut skipped = Vec::new();
    for (index, id) in candidates.iter().enumerate() {
        let refusal = if already.contains_key(id) {
            Some(("ANNUAL_REVIEW_ALREADY_MARKED", format!("{year} 年度已报卫生局")))
        } else if let Some(n) = counts.get(id).map(|c| c.0).filter(|n| *n > 0) {
            Some(("ANNUAL_REVIEW_PENDING", format!("尚有 {n} 条学分待医院初审")))
        } else if !compliance.contains_key(id.as_str()) {
            Some(("ANNUAL_REVIEW_NOT_CURRENT", "人员已注销或调出，不参加本年度审验".to_string()))
        } else {
            None
        };
        match refusal {
            Some((code, zh)) if strict => {
                let e = CoreError::Conflict {
                    code,
                    zh: zh.clone(),
                    en: format!("staff {id} cannot be marked for CME year {year}: {code}"),
                };
                return Err(if candidates.len() > 1 { CoreError::in_batch(index, e) } else { e });
            }
            Some((code, reason_zh)) => {
                skipped.push(Skipped { staff_id: id.clone(), code: code.to_string(), reason_zh })
            }
            None => ready.push(id.clone()),
        }
    }
    if ready.is_empty() {
        return Err(CoreError::Conflict {
            code: "NOTHING_TO_MARK",
            zh: format!("{year} 年度没有可报卫生局的人员"),
            en: format!("nobody is ready to be marked for CME year {year}"),
        });
    }
    let marked_at = actor.timestamp();
    let rows: Vec<PersonYearReview> = ready
        .iter()
        .filter_map(|id| compliance.get(id.as_str()))
        .map(|p| PersonYearReview {
            staff_id: p.staff_id.clone(),
            cme_year: year,
            marked_at: marked_at.clone(),
            marked_by: actor.operator.username.clone(),
            compliance: p.status,
            credits: p.totals.credits,
            hours: p.totals.hours,
            bureau_result: None,
            bureau_note: None,
            bureau_recorded_at: None,
        })
        .collect();
    desk.change(actor, |c| {
        for r in &rows {
            c.tx()
                .prepare_cached(
                    "INSERT INTO annual_reviews(staff_id, cme_year, marked_at, marked_by, compliance,
                                                credits_x100, hours_x100)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    r.staff_id,
                    r.cme_year,
                    r.marked_at,
                    r.marked_by,
                    compliance_text(r.compliance),
                    r.credits.hundredths(),
                    r.hours.hundredths()
                ])?;
            c.record("annual_review.mark", ENTITY, &key(&r.staff_id, year), None, Some(r))?;
        }
        Ok(())
    })?;
    Ok(MarkReport { marked: rows, skipped })
}

fn compliance_text(s: ComplianceStatus) -> &'static str {
    match s {
        ComplianceStatus::Compliant => "compliant",
        ComplianceStatus::NonCompliant => "non_compliant",
        ComplianceStatus::Exempt => "exempt",
    }
}

fn key(staff_id: &str, year: i32) -> String {
    format!("{staff_id}/{year}")
}

/// Records the health bureau's verdict on a marked person-year; final once recorded.
pub fn record_bureau_result(
    desk: &mut Desk,
    actor: &Actor,
    staff_id: &str,
    year: i32,
    result: BureauResult,
    note: Option<&str>,
) -> Result<PersonYearReview> {
    actor.require(Permission::AnnualReview)?;
    crate::staff::get(desk, staff_id)?;
    let before = get(desk, staff_id, year)?.ok_or_else(|| CoreError::Conflict {
        code: "ANNUAL_REVIEW_NOT_MARKED",
        zh: format!("该人员 {year} 年度尚未报卫生局，不能登记审验结果"),
        en: format!("staff {staff_id} was not marked for the health bureau for CME year {year}"),
    })?;
    if let Some(done) = before.bureau_result {
        return Err(CoreError::Conflict {
            code: "ANNUAL_REVIEW_FINAL",
            zh: format!("该人员 {year} 年度审验结果已登记为「{}」，不能更改", done.label_zh()),
            en: format!("the bureau's result for staff {staff_id}, CME year {year} is already recorded"),
        });
    }
    let note = note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    if result == BureauResult::Failed && note.is_none() {
        return Err(CoreError::Required { field: "note", label_zh: "不合格原因" });
    }
    let after = PersonYearReview {
        bureau_result: Some(result),
        bureau_note: note,
        bureau_recorded_at: Some(actor.timestamp()),
        ..before.clone()
    };
    desk.change(actor, |c| {
        c.tx().execute(
            "UPDATE annual_reviews SET bureau_result = ?3, bureau_note = ?4, bureau_recorded_at = ?5
             WHERE staff_id = ?1 AND cme_year = ?2",
            params![staff_id, year, result.as_str(), after.bureau_note, after.bureau_recorded_at],
        )?;
        c.record("annual_review.bureau", ENTITY, &key(staff_id, year), Some(&before), Some(&after))?;
        Ok(after.clone())
    })
}
