//! Manual credits (手工录入, W6) and their review (审核, W7): the entry form's rules (category from
//! the rule set, quantity × rate with caps, V-1 limits, evidence with its SHA-256) and the review
//! state machine — save (draft, editable) or save-and-submit; review by the department, then the
//! hospital (未审核 / 退回 / 不通过 / 通过), reasons for return and rejection; a lower level cannot
//! act after a higher one; a CME year locks after its configured date; platform credits are
//! read-only. Pure functions: the store persists what they return.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::credits::{Centi, CreditError, CreditRecord, CreditSource, RateSnapshot, ReviewStatus};
use crate::rules::{CmeYear, Entry, RuleSet};

/// An evidence file (证明材料) attached to a manual credit; the bytes are stored by hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Evidence {
    /// Original file name.
    pub file_name: String,
    /// SHA-256 of the content, 64 lowercase hex characters.
    pub sha256: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
}

/// The entry form (seed 003 学分录入).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ManualCreditForm {
    /// Staff member.
    pub staff_id: String,
    /// Category key from the rule set.
    pub category: String,
    /// 活动名称.
    pub activity_name: String,
    /// 活动编号.
    pub activity_number: Option<String>,
    /// 学分级别.
    pub credit_level: Option<String>,
    /// 举办方式.
    pub delivery: Option<String>,
    /// 二级学科.
    pub discipline2: Option<String>,
    /// 三级学科.
    pub discipline3: Option<String>,
    /// Quantity in the category's unit, for categories with a rate (months, articles, words...).
    pub quantity: Option<Centi>,
    /// Credits, for categories without a rate (e.g. a project attended in another province).
    pub credits: Option<Centi>,
    /// 学时.
    pub hours: Centi,
    /// 活动日期.
    pub activity_date: NaiveDate,
    /// 备注.
    pub note: Option<String>,
    /// 发证机构.
    pub issuer: String,
    /// Evidence files.
    pub evidence: Vec<Evidence>,
}

/// Save keeps a draft; save-and-submit sends it to review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum SaveMode {
    /// 保存.
    Save,
    /// 保存并上报.
    SaveAndSubmit,
}

/// Review level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ReviewLevel {
    /// 科室.
    Department,
    /// 医院.
    Hospital,
}

/// A reviewer's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    /// 通过.
    Approve,
    /// 退回 (back for correction).
    Return,
    /// 不通过 (final).
    Reject,
}

impl ReviewDecision {
    fn action(self) -> &'static str {
        match self {
            ReviewDecision::Approve => "approve",
            ReviewDecision::Return => "return",
            ReviewDecision::Reject => "reject",
        }
    }
}

/// One review step, kept for the trail shown to people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ReviewStep {
    /// Level.
    pub level: ReviewLevel,
    /// Decision.
    pub decision: ReviewDecision,
    /// Reason (required for return and reject).
    pub reason: Option<String>,
    /// Reviewer's username.
    pub by: String,
    /// When.
    pub at: DateTime<FixedOffset>,
}

/// Review state of one manual credit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ReviewTrail {
    /// Current status.
    pub status: ReviewStatus,
    /// The department approved in the current round.
    pub department_approved: bool,
    /// The hospital acted in the current round: the department can no longer act.
    pub hospital_acted: bool,
    /// Every step, oldest first.
    pub steps: Vec<ReviewStep>,
}

impl ReviewTrail {
    /// A new draft.
    pub fn draft() -> ReviewTrail {
        ReviewTrail {
            status: ReviewStatus::Draft,
            department_approved: false,
            hospital_acted: false,
            steps: Vec::new(),
        }
    }
}

/// Review configuration of the hospital.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ReviewPolicy {
    /// The department must approve before the hospital decides.
    pub department_required: bool,
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), CreditError> {
    let actual = value.chars().count();
    if actual > max {
        return Err(CreditError::FieldTooLong { field, max, actual });
    }
    Ok(())
}

fn check_unlocked(year: &CmeYear, today: NaiveDate) -> Result<(), CreditError> {
    if year.is_locked(today) {
        return Err(CreditError::YearLocked { year: year.year, locked_on: year.locks_on });
    }
    Ok(())
}

fn valid_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Validates a form and computes the credit record it stands for (status Draft or Pending).
/// `id` is minted by the caller (UUIDv7); `today` decides whether the year is locked.
pub fn prepare(
    form: &ManualCreditForm,
    rule_set: &RuleSet,
    id: &str,
    mode: SaveMode,
    today: NaiveDate,
) -> Result<(CreditRecord, ReviewTrail), CreditError> {
    let limits = &rule_set.manual_limits;
    let category = rule_set
        .category(&form.category)
        .ok_or_else(|| CreditError::CategoryUnknown { category: form.category.clone() })?;
    if category.entry == Entry::PlatformOnly {
        return Err(CreditError::CategoryPlatformOnly { category: form.category.clone() });
    }
    if form.staff_id.trim().is_empty() {
        return Err(CreditError::FieldRequired { field: "staff_id" });
    }
    if form.activity_name.trim().is_empty() {
        return Err(CreditError::FieldRequired { field: "activity_name" });
    }
    if form.issuer.trim().is_empty() {
        return Err(CreditError::FieldRequired { field: "issuer" });
    }
    check_len("activity_name", &form.activity_name, limits.max_name_chars)?;
    if let Some(n) = &form.activity_number {
        check_len("activity_number", n, limits.max_number_chars)?;
    }
    if let Some(n) = &form.note {
        check_len("note", n, limits.max_note_chars)?;
    }
    if form.hours < Centi::ZERO {
        return Err(CreditError::AmountNotPositive { field: "hours" });
    }
    if form.hours > limits.max_hours {
        return Err(CreditError::AmountTooLarge { field: "hours", value: form.hours, max: limits.max_hours });
    }
    // Credits: quantity × rate (rounded down to the province's step), or as entered.
    let (credits, rate) = match &category.rate {
        Some(rate) => {
            let q = form.quantity.ok_or(CreditError::FieldRequired { field: "quantity" })?;
            if !q.is_positive() {
                return Err(CreditError::AmountNotPositive { field: "quantity" });
            }
            let snapshot = RateSnapshot {
                credits: rate.credits,
                per: rate.per,
                unit: category.unit.clone().unwrap_or_default(),
            };
            (q.mul_ratio(rate.credits, rate.per).floor_to(limits.step), Some(snapshot))
        }
        None => {
            let c = form.credits.ok_or(CreditError::FieldRequired { field: "credits" })?;
            if !c.is_multiple_of(limits.step) {
                return Err(CreditError::AmountNotMultiple { field: "credits", step: limits.step });
            }
            (c, None)
        }
    };
    let credits = match category.cap_per_record {
        Some(cap) => credits.min(cap),
        None => credits,
    };
    if !credits.is_positive() {
        return Err(CreditError::AmountNotPositive { field: "credits" });
    }
    if credits > limits.max_credits {
        return Err(CreditError::AmountTooLarge {
            field: "credits",
            value: credits,
            max: limits.max_credits,
        });
    }
    for e in &form.evidence {
        if !valid_sha256(&e.sha256) {
            return Err(CreditError::EvidenceHashInvalid { file_name: e.file_name.clone() });
        }
    }
    let year = rule_set.year_of(form.activity_date)?;
    check_unlocked(&year, today)?;
    let mut trail = ReviewTrail::draft();
    if mode == SaveMode::SaveAndSubmit {
        check_evidence(form, rule_set)?;
        trail.status = ReviewStatus::Pending;
    }
    let record = CreditRecord {
        id: id.to_string(),
        staff_id: form.staff_id.clone(),
        cme_year: year.year,
        rule_set: rule_set.id.clone(),
        activity_date: form.activity_date,
        source: CreditSource::Manual,
        project_id: None,
        project_code: form.activity_number.clone(),
        activity_name: form.activity_name.clone(),
        category: category.key.clone(),
        credit_level: form.credit_level.clone(),
        class: category.class,
        credits,
        hours: form.hours,
        subject: category.subject,
        issuer: form.issuer.clone(),
        review_status: trail.status,
        rate,
        cap: category.cap_per_record,
        platform: None,
    };
    Ok((record, trail))
}

/// Submitting needs the evidence the category lists.
fn check_evidence(form: &ManualCreditForm, rule_set: &RuleSet) -> Result<(), CreditError> {
    if let Some(c) = rule_set.category(&form.category)
        && !c.evidence.is_empty()
        && form.evidence.is_empty()
    {
        return Err(CreditError::EvidenceRequired {
            category: c.key.clone(),
            expected: c.evidence.join("、"),
        });
    }
    Ok(())
}

/// Whether a credit may still be edited (and re-prepared): manual, draft or returned, year open.
pub fn check_editable(
    record: &CreditRecord,
    trail: &ReviewTrail,
    year: &CmeYear,
    today: NaiveDate,
) -> Result<(), CreditError> {
    if record.source != CreditSource::Manual {
        return Err(CreditError::CreditReadOnly { source_name: record.source.as_str().to_string() });
    }
    check_unlocked(year, today)?;
    match trail.status {
        ReviewStatus::Draft | ReviewStatus::Returned => Ok(()),
        from => Err(CreditError::ReviewTransition { from, action: "edit" }),
    }
}

/// 上报: a draft or returned credit goes (back) to review; a new round starts.
pub fn submit(
    form: &ManualCreditForm,
    rule_set: &RuleSet,
    trail: &ReviewTrail,
    year: &CmeYear,
    today: NaiveDate,
) -> Result<ReviewTrail, CreditError> {
    check_unlocked(year, today)?;
    if !matches!(trail.status, ReviewStatus::Draft | ReviewStatus::Returned) {
        return Err(CreditError::ReviewTransition { from: trail.status, action: "submit" });
    }
    check_evidence(form, rule_set)?;
    let mut next = trail.clone();
    next.status = ReviewStatus::Pending;
    next.department_approved = false;
    next.hospital_acted = false;
    Ok(next)
}

/// A review decision by a level. Returns the new trail.
#[allow(clippy::too_many_arguments)]
pub fn review(
    trail: &ReviewTrail,
    policy: ReviewPolicy,
    level: ReviewLevel,
    decision: ReviewDecision,
    reason: Option<&str>,
    by: &str,
    at: DateTime<FixedOffset>,
    year: &CmeYear,
) -> Result<ReviewTrail, CreditError> {
    check_unlocked(year, at.date_naive())?;
    // The department is told it is too late before anything else: that is what happened.
    if level == ReviewLevel::Department
        && (trail.hospital_acted || (trail.status == ReviewStatus::Approved && !trail.steps.is_empty()))
    {
        return Err(CreditError::ReviewLowerAfterHigher);
    }
    if trail.status != ReviewStatus::Pending {
        return Err(CreditError::ReviewTransition { from: trail.status, action: decision.action() });
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if decision != ReviewDecision::Approve && reason.is_none() {
        return Err(CreditError::ReasonRequired);
    }
    if level == ReviewLevel::Hospital && policy.department_required && !trail.department_approved {
        return Err(CreditError::ReviewAwaitingDepartment);
    }
    let mut next = trail.clone();
    match (level, decision) {
        (ReviewLevel::Department, ReviewDecision::Approve) => next.department_approved = true,
        (ReviewLevel::Hospital, ReviewDecision::Approve) => {
            next.status = ReviewStatus::Approved;
            next.hospital_acted = true;
        }
        (_, ReviewDecision::Return) => next.status = ReviewStatus::Returned,
        (_, ReviewDecision::Reject) => next.status = ReviewStatus::Rejected,
    }
    if level == ReviewLevel::Hospital {
        next.hospital_acted = true;
    }
    next.steps.push(ReviewStep {
        level,
        decision,
        reason: reason.map(str::to_string),
        by: by.to_string(),
        at,
    });
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleBook;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }
    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test timestamp")
    }
    fn c(x: f64) -> Centi {
        Centi::from_decimal(x).expect("two decimals")
    }
    const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn form(category: &str) -> ManualCreditForm {
        ManualCreditForm {
            staff_id: "s1".into(),
            category: category.into(),
            activity_name: "常见慢性病防治新进展".into(),
            activity_number: Some("2015-03-14-006(国)".into()),
            credit_level: Some("national".into()),
            delivery: Some("继续医学教育项目".into()),
            discipline2: Some("临床内科学".into()),
            discipline3: Some("内分泌学".into()),
            quantity: None,
            credits: Some(c(2.0)),
            hours: c(6.0),
            activity_date: d("2015-06-08"),
            note: None,
            issuer: "卫计委医药研究中心".into(),
            evidence: vec![Evidence { file_name: "学分证.jpg".into(), sha256: HASH.into(), size: 1024 }],
        }
    }

    fn rs(id: &str) -> RuleSet {
        RuleBook::embedded().expect("rules").get(id).cloned().expect("present")
    }

    #[test]
    fn w6_seed_003_form_saves_as_draft_and_submits_as_pending() {
        let r = rs("national-2006");
        let (rec, trail) = prepare(&form("project-national"), &r, "m-1", SaveMode::Save, d("2015-06-08"))
            .expect("valid form");
        assert_eq!((rec.credits, rec.hours, rec.cme_year), (c(2.0), c(6.0), 2015));
        assert_eq!(rec.class, Some(crate::credits::CreditClass::ClassI));
        assert_eq!((rec.review_status, trail.status), (ReviewStatus::Draft, ReviewStatus::Draft));
        let (_, trail) =
            prepare(&form("project-national"), &r, "m-1", SaveMode::SaveAndSubmit, d("2015-06-08"))
                .expect("valid form");
        assert_eq!(trail.status, ReviewStatus::Pending);
    }

    #[test]
    fn r36_r38_quantity_times_rate_with_record_and_year_caps() {
        let r = rs("national-2006");
        // 4,500 words of self-study review at 1 per 2000 words = 2.25 credits.
        let mut f = form("self-study-review");
        f.quantity = Some(Centi::units(4500));
        f.credits = None;
        let (rec, _) = prepare(&f, &r, "m-2", SaveMode::Save, d("2015-06-08")).expect("valid");
        assert_eq!(rec.credits, c(2.25));
        assert_eq!(rec.rate.as_ref().map(|x| (x.credits, x.per)), Some((c(1.0), c(2000.0))));
        // 2 months of further study at 3 a month = 6.
        let mut f = form("further-study");
        f.quantity = Some(c(2.0));
        f.credits = None;
        let (rec, _) = prepare(&f, &r, "m-3", SaveMode::Save, d("2015-06-08")).expect("valid");
        assert_eq!(rec.credits, c(6.0));
        // Missing quantity for a rated category.
        f.quantity = None;
        assert_eq!(
            prepare(&f, &r, "m-3", SaveMode::Save, d("2015-06-08")).unwrap_err().field(),
            Some("quantity")
        );
    }

    #[test]
    fn v1_limits_table() {
        let r = rs("national-2006");
        let p = rs("province-example");
        fn long(n: usize) -> String {
            "字".repeat(n)
        }
        type Edit = Box<dyn Fn(&mut ManualCreditForm)>;
        // (rule set, edit, expected error code, field); None = accepted.
        type Expected = Option<(&'static str, &'static str)>;
        let cases: Vec<(&RuleSet, Edit, Expected)> = vec![
            (&r, Box::new(|f| f.activity_name = long(300)), None),
            (&r, Box::new(|f| f.activity_name = long(301)), Some(("FIELD_TOO_LONG", "activity_name"))),
            (
                &r,
                Box::new(|f| f.activity_number = Some("9".repeat(31))),
                Some(("FIELD_TOO_LONG", "activity_number")),
            ),
            (&r, Box::new(|f| f.note = Some(long(180))), None),
            (&r, Box::new(|f| f.note = Some(long(181))), Some(("FIELD_TOO_LONG", "note"))),
            (&r, Box::new(|f| f.hours = c(150.0)), None),
            (&r, Box::new(|f| f.hours = c(150.5)), Some(("AMOUNT_TOO_LARGE", "hours"))),
            (&r, Box::new(|f| f.credits = Some(c(99.0))), None),
            (&r, Box::new(|f| f.credits = Some(c(99.5))), Some(("AMOUNT_TOO_LARGE", "credits"))),
            (&r, Box::new(|f| f.credits = Some(c(0.0))), Some(("AMOUNT_NOT_POSITIVE", "credits"))),
            (&r, Box::new(|f| f.credits = Some(c(2.3))), None),
            (&r, Box::new(|f| f.activity_name = " ".into()), Some(("FIELD_REQUIRED", "activity_name"))),
            (&r, Box::new(|f| f.issuer = String::new()), Some(("FIELD_REQUIRED", "issuer"))),
            (&r, Box::new(|f| f.category = "remote".into()), Some(("CATEGORY_PLATFORM_ONLY", "category"))),
            (&r, Box::new(|f| f.category = "poetry".into()), Some(("CATEGORY_UNKNOWN", "category"))),
            (
                &r,
                Box::new(|f| f.evidence[0].sha256 = "XYZ".into()),
                Some(("EVIDENCE_HASH_INVALID", "evidence")),
            ),
            // Province: credits ≤ 25 and multiples of 0.5.
            (&p, Box::new(|f| f.credits = Some(c(25.0))), None),
            (&p, Box::new(|f| f.credits = Some(c(25.5))), Some(("AMOUNT_TOO_LARGE", "credits"))),
            (&p, Box::new(|f| f.credits = Some(c(2.3))), Some(("AMOUNT_NOT_MULTIPLE", "credits"))),
            (&p, Box::new(|f| f.credits = Some(c(2.5))), None),
        ];
        for (i, (rule_set, edit, expected)) in cases.into_iter().enumerate() {
            let mut f = form("project-national");
            // Entered while each year is still open.
            let today = if rule_set.id == "province-example" {
                f.activity_date = d("2026-03-01");
                d("2026-03-02")
            } else {
                d("2015-07-01")
            };
            edit(&mut f);
            let got = prepare(&f, rule_set, "m", SaveMode::Save, today)
                .err()
                .map(|e| (e.code(), e.field().map(str::to_string)));
            let want = expected.map(|(code, field)| (code, Some(field.to_string())));
            assert_eq!(got, want, "case {i}");
        }
        // Computed credits are floored to the province's 0.5 step: 4,500 words → 2.25 → 2.0.
        let mut f = form("self-study-review");
        f.activity_date = d("2026-03-01");
        f.quantity = Some(Centi::units(4500));
        f.credits = None;
        let (rec, _) = prepare(&f, &p, "m", SaveMode::Save, d("2026-03-02")).expect("valid");
        assert_eq!(rec.credits, c(2.0));
    }

    #[test]
    fn w6_submit_needs_evidence_listed_by_the_category() {
        let r = rs("national-2006");
        let mut f = form("paper");
        f.quantity = Some(c(1.0));
        f.credits = None;
        f.evidence.clear();
        let e = prepare(&f, &r, "m", SaveMode::SaveAndSubmit, d("2015-07-01")).unwrap_err();
        assert_eq!(e.code(), "EVIDENCE_REQUIRED");
        assert!(e.message_zh().contains("期刊封面"));
        // A draft may be saved without it.
        let (_, trail) = prepare(&f, &r, "m", SaveMode::Save, d("2015-07-01")).expect("draft");
        let year = r.year(2015).expect("2015");
        assert!(submit(&f, &r, &trail, &year, d("2015-07-01")).is_err());
    }

    #[test]
    fn w7_review_state_machine_table() {
        use ReviewDecision::*;
        use ReviewLevel::*;
        let r = rs("national-2006");
        let year = r.year(2015).expect("2015");
        let policy = ReviewPolicy { department_required: true };
        let now = at("2015-09-01T10:00:00+08:00");
        let pending = submit(&form("project-national"), &r, &ReviewTrail::draft(), &year, d("2015-07-01"))
            .expect("submit");
        let step = |t: &ReviewTrail, l, dcs, reason: Option<&str>| {
            review(t, policy, l, dcs, reason, "u", now, &year)
        };

        // Department approves, hospital approves → 通过.
        let t = step(&pending, Department, Approve, None).expect("dept approves");
        assert_eq!((t.status, t.department_approved), (ReviewStatus::Pending, true));
        let t = step(&t, Hospital, Approve, None).expect("hospital approves");
        assert_eq!(t.status, ReviewStatus::Approved);
        // A lower level cannot act after a higher one.
        assert_eq!(
            step(&t, Department, Reject, Some("重复")).unwrap_err().code(),
            "REVIEW_LOWER_AFTER_HIGHER"
        );
        // Nothing more to decide for the hospital either.
        assert_eq!(step(&t, Hospital, Reject, Some("x")).unwrap_err().code(), "REVIEW_INVALID_TRANSITION");

        // Hospital before department → refused while the department is required.
        assert_eq!(step(&pending, Hospital, Approve, None).unwrap_err().code(), "REVIEW_AWAITING_DEPARTMENT");
        let direct = review(
            &pending,
            ReviewPolicy { department_required: false },
            Hospital,
            Approve,
            None,
            "u",
            now,
            &year,
        )
        .expect("no department level");
        assert_eq!(direct.status, ReviewStatus::Approved);

        // Return needs a reason; returned is editable and resubmittable; a new round starts.
        assert_eq!(step(&pending, Department, Return, Some("  ")).unwrap_err().code(), "REASON_REQUIRED");
        let t = step(&pending, Department, Approve, None).expect("dept approves");
        let t = step(&t, Hospital, Return, Some("学分证不清晰")).expect("hospital returns");
        assert_eq!(t.status, ReviewStatus::Returned);
        assert_eq!(step(&t, Department, Approve, None).unwrap_err().code(), "REVIEW_LOWER_AFTER_HIGHER");
        let rec = prepare(&form("project-national"), &r, "m", SaveMode::Save, d("2015-07-01")).expect("ok").0;
        assert!(check_editable(&rec, &t, &year, d("2015-09-02")).is_ok());
        let t = submit(&form("project-national"), &r, &t, &year, d("2015-09-02")).expect("resubmit");
        assert_eq!(
            (t.status, t.department_approved, t.hospital_acted),
            (ReviewStatus::Pending, false, false)
        );
        let t = step(&t, Department, Reject, Some("非本专业")).expect("dept rejects");
        assert_eq!(t.status, ReviewStatus::Rejected);
        assert_eq!(t.steps.len(), 3, "submits are not review steps");
        assert_eq!(
            check_editable(&rec, &t, &year, d("2015-09-02")).unwrap_err().code(),
            "REVIEW_INVALID_TRANSITION"
        );
    }

    #[test]
    fn w7_past_year_locks_and_platform_credits_are_read_only() {
        let r = rs("national-2006");
        let year = r.year(2015).expect("2015");
        // national-2006 locks a year on 31 March of the next year.
        assert!(prepare(&form("project-national"), &r, "m", SaveMode::Save, d("2016-03-30")).is_ok());
        let e = prepare(&form("project-national"), &r, "m", SaveMode::Save, d("2016-03-31")).unwrap_err();
        assert_eq!(e.code(), "CME_YEAR_LOCKED");
        let pending = submit(&form("project-national"), &r, &ReviewTrail::draft(), &year, d("2015-07-01"))
            .expect("submit");
        let e = review(
            &pending,
            ReviewPolicy { department_required: false },
            ReviewLevel::Hospital,
            ReviewDecision::Approve,
            None,
            "u",
            at("2016-04-01T09:00:00+08:00"),
            &year,
        )
        .unwrap_err();
        assert_eq!(e.code(), "CME_YEAR_LOCKED");
        let mut rec =
            prepare(&form("project-national"), &r, "m", SaveMode::Save, d("2015-07-01")).expect("ok").0;
        rec.source = CreditSource::Remote;
        let e = check_editable(&rec, &ReviewTrail::draft(), &year, d("2015-07-01")).unwrap_err();
        assert_eq!(e.code(), "CREDIT_READ_ONLY");
    }
}
