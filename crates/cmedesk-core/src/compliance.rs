//! Compliance (达标, §4.1, W7): per person and CME year under the year's rule set — 达标 /
//! 不达标 / 不计达标 — with the gap to every requirement and, for every credit not counted, the
//! reason (不计入达标原因). Department and hospital summaries for the 达标统计 page.
//!
//! A credit counts when it is approved, not revoked, dated inside the CME year, not a second
//! credit for the same project, and within its category's yearly caps (the category and every
//! ancestor, R-06 / R-35 / R-36 / R-38); a credit that only partly fits a cap counts partly. The
//! requirement then depends on the regime: R-30 (classes, no substitution), R-20/21 (50%
//! substitution), R-22 (deemed complete), R-31 (national credits over five years), R-01/02
//! (credits and hours), R-50 (professional share). Exempt people are reported, never counted.
//! Linear in the number of credits: 10,000 staff with 20 credits each in well under 500 ms.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::credits::{Centi, CreditClass, CreditError, CreditRecord, CreditSource, ReviewStatus, Subject};
use crate::rules::{CmeYear, RuleSet};

/// One person in the year, as compliance needs them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StaffYear {
    /// Staff id.
    pub staff_id: String,
    /// Department, for summaries.
    pub department_id: Option<String>,
    /// Title level code (`associate_senior`, ...), for class minimums.
    pub title_level: Option<String>,
    /// 不计达标 for this year, with the reason (staff status or a person-year exemption).
    pub exemption: Option<String>,
    /// R-22 situation (`residency`, ...) when the person is in one.
    pub deemed_complete: Option<String>,
}

/// Everything one compliance run looks at.
#[derive(Clone, Copy, Debug)]
pub struct ComplianceInput<'a> {
    /// The year's rule set.
    pub rule_set: &'a RuleSet,
    /// The CME year.
    pub year: i32,
    /// People to evaluate.
    pub staff: &'a [StaffYear],
    /// Their credits of the year (others are reported as outside the year).
    pub credits: &'a [CreditRecord],
    /// Approved national-project credits of earlier years, for R-31.
    pub history: &'a [CreditRecord],
    /// Ids of revoked credits.
    pub revoked: &'a HashSet<String>,
    /// Hospital kind (`tertiary`, `provincial-unit`, ...), for R-31.
    pub hospital_kind: Option<&'a str>,
}

/// 达标 / 不达标 / 不计达标.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ComplianceStatus {
    /// 达标.
    Compliant,
    /// 不达标.
    NonCompliant,
    /// 不计达标.
    Exempt,
}

impl ComplianceStatus {
    /// The label officers know.
    pub fn label_zh(self) -> &'static str {
        match self {
            ComplianceStatus::Compliant => "达标",
            ComplianceStatus::NonCompliant => "不达标",
            ComplianceStatus::Exempt => "不计达标",
        }
    }
}

/// Why a credit (or part of it) does not count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum NotCountedReason {
    /// Not approved (draft, pending, returned, rejected).
    NotApproved {
        /// Its review status.
        status: ReviewStatus,
    },
    /// Revoked by a later event.
    Revoked,
    /// Dated outside the CME year.
    OutsideYear,
    /// A second credit for the same project.
    DuplicateProject {
        /// Project code.
        project_code: String,
    },
    /// The category's (or an ancestor's) yearly cap is reached; `counted` may be partial.
    CategoryCap {
        /// The category whose cap binds.
        category: String,
        /// The cap.
        cap: Centi,
    },
}

impl NotCountedReason {
    /// The sentence officers read.
    pub fn message_zh(&self) -> String {
        match self {
            NotCountedReason::NotApproved { status } => format!("审核状态为{}", status.label_zh()),
            NotCountedReason::Revoked => "已撤销".into(),
            NotCountedReason::OutsideYear => "活动日期不在本学分年度内".into(),
            NotCountedReason::DuplicateProject { project_code } => {
                format!("项目 {project_code} 重复登记")
            }
            NotCountedReason::CategoryCap { category, cap } => {
                format!("{category} 类每年最多计 {cap} 学分")
            }
        }
    }
}

/// How one credit was counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CreditDecision {
    /// Credit id.
    pub credit_id: String,
    /// Credits counted (may be less than recorded).
    pub counted_credits: Centi,
    /// Hours counted.
    pub counted_hours: Centi,
    /// Why not (fully) counted; None when counted in full.
    pub reason: Option<NotCountedReason>,
}

/// A requirement of the year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum RequirementKind {
    /// Total credits.
    Credits,
    /// Total hours.
    Hours,
    /// Class I credits.
    ClassI,
    /// Class II credits.
    ClassIi,
    /// Professional-subject hours.
    ProfessionalHours,
    /// National-project credits over several years.
    NationalWithinYears,
}

impl RequirementKind {
    /// The label officers know.
    pub fn label_zh(self) -> &'static str {
        match self {
            RequirementKind::Credits => "学分",
            RequirementKind::Hours => "学时",
            RequirementKind::ClassI => "Ⅰ类学分",
            RequirementKind::ClassIi => "Ⅱ类学分",
            RequirementKind::ProfessionalHours => "专业科目学时",
            RequirementKind::NationalWithinYears => "五年内国家级项目学分",
        }
    }
}

/// The distance to one requirement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "ComplianceGap")]
pub struct Gap {
    /// Which requirement.
    pub requirement: RequirementKind,
    /// Required amount.
    pub required: Centi,
    /// Amount the person has (after substitution where it applies).
    pub have: Centi,
    /// Missing amount (> 0).
    pub missing: Centi,
}

/// Counted totals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "ComplianceTotals")]
pub struct Totals {
    /// Credits counted.
    pub credits: Centi,
    /// Hours counted.
    pub hours: Centi,
    /// Class I credits counted.
    pub class_i: Centi,
    /// Class II credits counted.
    pub class_ii: Centi,
    /// Hours of professional subjects.
    pub professional_hours: Centi,
    /// Hours of general subjects (公需).
    pub general_hours: Centi,
}

/// One person's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PersonCompliance {
    /// Staff id.
    pub staff_id: String,
    /// Department.
    pub department_id: Option<String>,
    /// Result.
    pub status: ComplianceStatus,
    /// Exemption or R-22 reason, when any.
    pub note: Option<String>,
    /// Counted totals.
    pub totals: Totals,
    /// Unmet requirements that decide the result.
    pub gaps: Vec<Gap>,
    /// Unmet requirements only reported (R-31 when not blocking).
    pub advisories: Vec<Gap>,
    /// Every credit of the person, with how it counted.
    pub decisions: Vec<CreditDecision>,
}

/// Counts for a group of people.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export, rename = "ComplianceSummary")]
pub struct Summary {
    /// People.
    pub total: usize,
    /// 达标.
    pub compliant: usize,
    /// 不达标.
    pub non_compliant: usize,
    /// 不计达标.
    pub exempt: usize,
    /// Compliant share of the non-exempt, in percent (two decimals, rounded down).
    pub rate_percent: Centi,
}

impl Summary {
    fn add(&mut self, s: ComplianceStatus) {
        self.total += 1;
        match s {
            ComplianceStatus::Compliant => self.compliant += 1,
            ComplianceStatus::NonCompliant => self.non_compliant += 1,
            ComplianceStatus::Exempt => self.exempt += 1,
        }
    }

    fn finish(&mut self) {
        let base = (self.total - self.exempt) as i64;
        self.rate_percent = if base == 0 {
            Centi::ZERO
        } else {
            Centi::units(self.compliant as i64).mul_ratio(Centi::units(100), Centi::units(base))
        };
    }
}

/// A department's summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct DepartmentSummary {
    /// Department id (None: people without a department).
    pub department_id: Option<String>,
    /// Counts.
    pub summary: Summary,
}

/// The whole run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ComplianceReport {
    /// Rule set.
    pub rule_set: String,
    /// The CME year with its dates.
    pub year: CmeYear,
    /// People, in input order.
    pub people: Vec<PersonCompliance>,
    /// Per department, by id.
    pub departments: Vec<DepartmentSummary>,
    /// Whole hospital.
    pub hospital: Summary,
}

/// Whether pending credits count (forecast) or not (compliance).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Counting {
    ApprovedOnly,
    PendingAsApproved,
}

/// Runs compliance for the year.
pub fn evaluate(input: &ComplianceInput<'_>) -> Result<ComplianceReport, CreditError> {
    evaluate_with(input, &[], Counting::ApprovedOnly)
}

pub(crate) fn evaluate_with(
    input: &ComplianceInput<'_>,
    extra: &[CreditRecord],
    counting: Counting,
) -> Result<ComplianceReport, CreditError> {
    let year = input.rule_set.year(input.year)?;
    let mut by_staff: HashMap<&str, Vec<&CreditRecord>> = HashMap::with_capacity(input.staff.len());
    for c in input.credits.iter().chain(extra) {
        by_staff.entry(c.staff_id.as_str()).or_default().push(c);
    }
    let national = national_history(input, &year);
    let mut people = Vec::with_capacity(input.staff.len());
    let mut departments: BTreeMap<Option<&str>, Summary> = BTreeMap::new();
    let mut hospital = Summary::default();
    let empty = Vec::new();
    for s in input.staff {
        let credits = by_staff.get(s.staff_id.as_str()).unwrap_or(&empty);
        let p = evaluate_person(input, &year, s, credits, &national, counting);
        hospital.add(p.status);
        departments.entry(s.department_id.as_deref()).or_default().add(p.status);
        people.push(p);
    }
    hospital.finish();
    let departments = departments
        .into_iter()
        .map(|(d, mut summary)| {
            summary.finish();
            DepartmentSummary { department_id: d.map(str::to_string), summary }
        })
        .collect();
    Ok(ComplianceReport { rule_set: input.rule_set.id.clone(), year, people, departments, hospital })
}

/// National-project credits of the earlier years of the R-31 span, per staff.
fn national_history<'a>(input: &ComplianceInput<'a>, year: &CmeYear) -> HashMap<&'a str, Centi> {
    let mut out = HashMap::new();
    let Some(rule) = &input.rule_set.requirement.national_within_years else {
        return out;
    };
    let span = i32::try_from(rule.years).unwrap_or(i32::MAX);
    let first = year.year.saturating_sub(span - 1);
    for c in input.history {
        if c.cme_year >= first
            && c.cme_year < year.year
            && c.review_status == ReviewStatus::Approved
            && c.credit_level.as_deref() == Some("national")
            && !input.revoked.contains(&c.id)
        {
            *out.entry(c.staff_id.as_str()).or_insert(Centi::ZERO) += c.credits;
        }
    }
    out
}

fn evaluate_person(
    input: &ComplianceInput<'_>,
    year: &CmeYear,
    s: &StaffYear,
    credits: &[&CreditRecord],
    national_before: &HashMap<&str, Centi>,
    counting: Counting,
) -> PersonCompliance {
    let rs = input.rule_set;
    let mut ordered: Vec<&CreditRecord> = credits.to_vec();
    // Caps fill in date order; ties by id keep the result deterministic.
    ordered.sort_by(|a, b| (a.activity_date, &a.id).cmp(&(b.activity_date, &b.id)));
    let mut used: HashMap<&str, Centi> = HashMap::new();
    let mut seen_projects: HashSet<(bool, &str)> = HashSet::new();
    let mut totals = Totals::default();
    let mut national_this_year = Centi::ZERO;
    let mut decisions = Vec::with_capacity(ordered.len());
    for c in ordered {
        let refuse = |reason| CreditDecision {
            credit_id: c.id.clone(),
            counted_credits: Centi::ZERO,
            counted_hours: Centi::ZERO,
            reason: Some(reason),
        };
        if input.revoked.contains(&c.id) {
            decisions.push(refuse(NotCountedReason::Revoked));
            continue;
        }
        let approved = c.review_status == ReviewStatus::Approved
            || (counting == Counting::PendingAsApproved
                && matches!(c.review_status, ReviewStatus::Pending | ReviewStatus::Draft));
        if !approved {
            decisions.push(refuse(NotCountedReason::NotApproved { status: c.review_status }));
            continue;
        }
        if !year.contains(c.activity_date) {
            decisions.push(refuse(NotCountedReason::OutsideYear));
            continue;
        }
        if let Some(code) = c.project_code.as_deref().filter(|p| !p.is_empty()) {
            // A lecturer's credit and an attendee's credit for the same project are different
            // things; two attendee credits (granted + typed in by hand) are one too many.
            let speaker = c.source == CreditSource::Speaker;
            if !seen_projects.insert((speaker, code)) {
                decisions.push(refuse(NotCountedReason::DuplicateProject { project_code: code.to_string() }));
                continue;
            }
        }
        // Room left under every cap up the category chain.
        let mut counted = c.credits;
        let mut binding: Option<(&str, Centi)> = None;
        let chain = rs.category_chain(&c.category);
        for cat in &chain {
            if let Some(cap) = cat.cap_per_year {
                let room = cap.saturating_gap(used.get(cat.key.as_str()).copied().unwrap_or_default());
                if room < counted {
                    counted = room;
                    binding = Some((cat.key.as_str(), cap));
                }
            }
        }
        for cat in &chain {
            *used.entry(cat.key.as_str()).or_default() += counted;
        }
        // Hours count in proportion to the credits that fit.
        let hours = if counted == c.credits { c.hours } else { c.hours.mul_ratio(counted, c.credits) };
        totals.credits += counted;
        totals.hours += hours;
        match c.subject {
            Subject::Professional => totals.professional_hours += hours,
            Subject::General => totals.general_hours += hours,
        }
        match c.class {
            Some(CreditClass::ClassI) => totals.class_i += counted,
            Some(CreditClass::ClassII) => totals.class_ii += counted,
            None => {}
        }
        if c.credit_level.as_deref() == Some("national") && c.source != CreditSource::Speaker {
            national_this_year += counted;
        }
        decisions.push(CreditDecision {
            credit_id: c.id.clone(),
            counted_credits: counted,
            counted_hours: hours,
            reason: binding
                .map(|(category, cap)| NotCountedReason::CategoryCap { category: category.to_string(), cap }),
        });
    }

    let (gaps, advisories) = requirement_gaps(
        rs,
        s,
        &totals,
        national_this_year + national_before.get(s.staff_id.as_str()).copied().unwrap_or_default(),
        input.hospital_kind,
    );
    let deemed =
        s.deemed_complete.as_deref().filter(|d| rs.requirement.deemed_complete.iter().any(|x| x == d));
    let (status, note) = if let Some(reason) = &s.exemption {
        (ComplianceStatus::Exempt, Some(reason.clone()))
    } else if let Some(d) = deemed {
        (ComplianceStatus::Compliant, Some(format!("R-22 视为完成：{d}")))
    } else if gaps.is_empty() {
        (ComplianceStatus::Compliant, None)
    } else {
        (ComplianceStatus::NonCompliant, None)
    };
    PersonCompliance {
        staff_id: s.staff_id.clone(),
        department_id: s.department_id.clone(),
        status,
        note,
        totals,
        gaps,
        advisories,
        decisions,
    }
}

fn gap(requirement: RequirementKind, required: Centi, have: Centi) -> Option<Gap> {
    (have < required).then(|| Gap { requirement, required, have, missing: required.saturating_gap(have) })
}

/// The unmet requirements: (deciding, only reported).
fn requirement_gaps(
    rs: &RuleSet,
    s: &StaffYear,
    t: &Totals,
    national_span: Centi,
    hospital_kind: Option<&str>,
) -> (Vec<Gap>, Vec<Gap>) {
    let q = &rs.requirement;
    let mut gaps = Vec::new();
    let mut advisories = Vec::new();
    gaps.extend(gap(RequirementKind::Credits, q.min_credits, t.credits));
    if q.min_hours.is_positive() {
        gaps.extend(gap(RequirementKind::Hours, q.min_hours, t.hours));
    }
    if q.classes {
        let (min_i, min_ii) = rs.class_minimums(s.title_level.as_deref());
        let hundred = Centi::units(100);
        // each class may cover up to `substitution_percent` of the other's minimum, out of
        // its own excess. R-30: the share is zero.
        let excess_i = t.class_i.saturating_gap(min_i);
        let excess_ii = t.class_ii.saturating_gap(min_ii);
        let cover_i = min_i.mul_ratio(q.substitution_percent, hundred).min(excess_ii);
        let cover_ii = min_ii.mul_ratio(q.substitution_percent, hundred).min(excess_i);
        gaps.extend(gap(RequirementKind::ClassI, min_i, t.class_i + cover_i));
        gaps.extend(gap(RequirementKind::ClassIi, min_ii, t.class_ii + cover_ii));
    }
    if let Some(pct) = q.min_professional_share_percent {
        let needed = t.hours.mul_ratio(pct, Centi::units(100));
        gaps.extend(gap(RequirementKind::ProfessionalHours, needed, t.professional_hours));
    }
    if let Some(n) = &q.national_within_years
        && hospital_kind.is_some_and(|k| n.applies_to.iter().any(|a| a == k))
        && let Some(g) = gap(RequirementKind::NationalWithinYears, n.credits, national_span)
    {
        if n.blocking {
            gaps.push(g);
        } else {
            advisories.push(g);
        }
    }
    (gaps, advisories)
}
