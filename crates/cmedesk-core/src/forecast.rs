//! Forecast (预测): who will miss the year's requirement, and by how much. No platform has this.
//!
//! For every person: the gaps today (approved credits only), then the gaps once the credits
//! already in review and the credits already scheduled (registered projects later in the year)
//! are counted. Both are computed by the compliance rules themselves, so caps, substitution and
//! the reasons stay exactly the same as the year-end run.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::compliance::{ComplianceInput, ComplianceStatus, Counting, Gap, RequirementKind, evaluate_with};
use crate::credits::{
    Centi, CreditClass, CreditError, CreditRecord, CreditSource, ReviewStatus, Subject, deterministic_id,
};

/// A credit a person is expected to earn: a registered project later in the year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ScheduledCredit {
    /// Staff member.
    pub staff_id: String,
    /// Project code.
    pub project_code: String,
    /// Last day of the project.
    pub expected_on: NaiveDate,
    /// Credit category key (e.g. `project-national`).
    pub category: String,
    /// Credit level key.
    pub credit_level: Option<String>,
    /// Class, where classes exist.
    pub class: Option<CreditClass>,
    /// Expected credits.
    pub credits: Centi,
    /// Expected hours.
    pub hours: Centi,
    /// 公需 / 专业.
    pub subject: Subject,
}

/// The outlook of one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Outlook {
    /// Already compliant.
    Met,
    /// Compliant once credits in review are approved and scheduled projects are attended.
    OnTrack,
    /// Gaps remain even then.
    AtRisk,
    /// 不计达标.
    Exempt,
}

/// One person's forecast.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PersonForecast {
    /// Staff id.
    pub staff_id: String,
    /// Department.
    pub department_id: Option<String>,
    /// Outlook.
    pub outlook: Outlook,
    /// Gaps with approved credits only.
    pub gaps_now: Vec<Gap>,
    /// Credits in review (pending or draft) that would count.
    pub in_review: Centi,
    /// Credits scheduled.
    pub scheduled: Centi,
    /// Gaps left after review and schedule.
    pub gaps_projected: Vec<Gap>,
    /// Days left in the CME year from `as_of` (0 when over).
    #[ts(type = "number")]
    pub days_left: i64,
}

/// The forecast of a year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Forecast {
    /// The day the forecast is made for.
    pub as_of: NaiveDate,
    /// People, in input order.
    pub people: Vec<PersonForecast>,
    /// People at risk.
    pub at_risk: usize,
    /// Total missing credits of the people at risk (after schedule).
    pub missing_credits: Centi,
}

/// Forecasts the year as of a day.
pub fn forecast(
    input: &ComplianceInput<'_>,
    scheduled: &[ScheduledCredit],
    as_of: NaiveDate,
) -> Result<Forecast, CreditError> {
    let now = evaluate_with(input, &[], Counting::ApprovedOnly)?;
    let extra: Vec<CreditRecord> = scheduled
        .iter()
        .filter(|s| now.year.contains(s.expected_on))
        .map(|s| CreditRecord {
            id: deterministic_id(&["scheduled", &s.project_code, &s.staff_id]),
            staff_id: s.staff_id.clone(),
            cme_year: now.year.year,
            rule_set: input.rule_set.id.clone(),
            activity_date: s.expected_on,
            source: CreditSource::Attendance,
            project_id: None,
            project_code: Some(s.project_code.clone()),
            activity_name: s.project_code.clone(),
            category: s.category.clone(),
            credit_level: s.credit_level.clone(),
            class: s.class,
            credits: s.credits,
            hours: s.hours,
            subject: s.subject,
            issuer: String::new(),
            review_status: ReviewStatus::Approved,
            rate: None,
            cap: None,
            platform: None,
        })
        .collect();
    let projected = evaluate_with(input, &extra, Counting::PendingAsApproved)?;
    let days_left = (now.year.ends_on - as_of).num_days().max(0);
    let mut people = Vec::with_capacity(now.people.len());
    let (mut at_risk, mut missing_credits) = (0usize, Centi::ZERO);
    for (n, p) in now.people.iter().zip(&projected.people) {
        let counted_now: Centi = n.totals.credits;
        let scheduled_sum: Centi = extra.iter().filter(|e| e.staff_id == n.staff_id).map(|e| e.credits).sum();
        let outlook = match (n.status, p.status) {
            (ComplianceStatus::Exempt, _) => Outlook::Exempt,
            (ComplianceStatus::Compliant, _) => Outlook::Met,
            (_, ComplianceStatus::Compliant) => Outlook::OnTrack,
            _ => Outlook::AtRisk,
        };
        if outlook == Outlook::AtRisk {
            at_risk += 1;
            missing_credits +=
                p.gaps.iter().filter(|g| g.requirement == RequirementKind::Credits).map(|g| g.missing).sum();
        }
        people.push(PersonForecast {
            staff_id: n.staff_id.clone(),
            department_id: n.department_id.clone(),
            outlook,
            gaps_now: n.gaps.clone(),
            in_review: p.totals.credits.saturating_gap(counted_now + scheduled_sum),
            scheduled: scheduled_sum,
            gaps_projected: p.gaps.clone(),
            days_left,
        });
    }
    Ok(Forecast { as_of, people, at_risk, missing_credits })
}
