//! "My credits" (我的学分): a staff member's own view of the current CME year — every credit
//! with how compliance counted it and why not, the result, the gap to each requirement. Everything
//! comes from the compliance engine; nothing is recounted here. (The downloadable statement is
//! `printouts::statement`.)

use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    Desk,
    approved_projects::CreditLevel,
    compliance::{ComplianceStatus, NotCountedReason, Totals},
    credits::{
        Centi, CreditClass,
        store::{self, StoredCredit},
    },
    error::Result,
    rules::{CmeYear, RuleBook, RuleSet},
    staff::StaffRow,
    statement::mask_id_number,
};

/// One credit as the person sees it.
#[derive(Debug, Clone, Serialize)]
pub struct MyCreditRow {
    pub credit: StoredCredit,
    /// 国家级 / 省级 …, with the legacy class when there is one.
    pub category_zh: String,
    pub review_zh: &'static str,
    pub counted_credits: Centi,
    pub counted_hours: Centi,
    /// Why it does not count (in full), in the words compliance uses.
    pub not_counted_reason: Option<String>,
}

/// A requirement not yet met.
#[derive(Debug, Clone, Serialize)]
pub struct MyGap {
    pub requirement_zh: &'static str,
    pub required: Centi,
    pub have: Centi,
    pub missing: Centi,
}

/// The whole page.
#[derive(Debug, Clone, Serialize)]
pub struct MyCredits {
    pub staff_id: String,
    pub name: String,
    pub department: String,
    /// Masked: the page may be seen over a shoulder.
    pub id_number_shown: String,
    pub year: CmeYear,
    pub status: ComplianceStatus,
    pub status_zh: &'static str,
    pub note: Option<String>,
    pub totals: Totals,
    pub gaps: Vec<MyGap>,
    pub rows: Vec<MyCreditRow>,
}

/// 国家级 / 省级 … for project credits; the rule set's category name (论文, 自学 …) otherwise.
fn category_zh(rs: &RuleSet, category: &str, level: Option<&str>, class: Option<CreditClass>) -> String {
    let level = level
        .and_then(CreditLevel::parse)
        .map(|l| l.label_zh())
        .or_else(|| rs.category(category).map(|c| c.name.as_str()))
        .unwrap_or("其他");
    match class {
        Some(CreditClass::ClassI) => format!("{level}Ⅰ类"),
        Some(CreditClass::ClassII) => format!("{level}Ⅱ类"),
        None => level.to_string(),
    }
}

/// The person's credits of the CME year that contains `today`, evaluated by compliance.
pub fn my_credits(desk: &Desk, book: &RuleBook, person: &StaffRow, today: NaiveDate) -> Result<MyCredits> {
    let rs = store::rule_set_for_date(desk, book, today)?;
    let year = rs.year_of(today)?;
    let staff_id = &person.staff.id;
    let (report, stored) = match store::person_compliance(desk, book, year.year, staff_id, None)? {
        Some(x) => x,
        None => (
            crate::compliance::evaluate(&crate::compliance::ComplianceInput {
                rule_set: rs,
                year: year.year,
                staff: &[],
                credits: &[],
                history: &[],
                revoked: &Default::default(),
                hospital_kind: None,
            })?,
            vec![],
        ),
    };
    let person_result = report.people.into_iter().next();
    let decisions = person_result.as_ref().map(|p| p.decisions.as_slice()).unwrap_or_default();
    let rows = stored
        .into_iter()
        .map(|credit| {
            let d = decisions.iter().find(|d| d.credit_id == credit.record.id);
            let reason = match (d, credit.revoked_at.is_some()) {
                (_, true) => Some(NotCountedReason::Revoked.message_zh()),
                (Some(d), _) => d.reason.as_ref().map(NotCountedReason::message_zh),
                (None, _) => Some("未参与本年度达标计算".to_string()),
            };
            MyCreditRow {
                category_zh: category_zh(
                    rs,
                    &credit.record.category,
                    credit.record.credit_level.as_deref(),
                    credit.record.class,
                ),
                review_zh: credit.record.review_status.label_zh(),
                counted_credits: d.map(|d| d.counted_credits).unwrap_or_default(),
                counted_hours: d.map(|d| d.counted_hours).unwrap_or_default(),
                not_counted_reason: reason,
                credit,
            }
        })
        .collect();
    let (status, note, totals, gaps) = match person_result {
        Some(p) => (p.status, p.note, p.totals, p.gaps),
        None => {
            (ComplianceStatus::Exempt, Some("本年度不参与达标统计".to_string()), Totals::default(), vec![])
        }
    };
    Ok(MyCredits {
        staff_id: staff_id.clone(),
        name: person.staff.name.clone(),
        department: person.department_name.clone(),
        id_number_shown: mask_id_number(&person.staff.id_number),
        year,
        status,
        status_zh: status.label_zh(),
        note,
        totals,
        gaps: gaps
            .into_iter()
            .map(|g| MyGap {
                requirement_zh: g.requirement.label_zh(),
                required: g.required,
                have: g.have,
                missing: g.missing,
            })
            .collect(),
        rows,
    })
}
