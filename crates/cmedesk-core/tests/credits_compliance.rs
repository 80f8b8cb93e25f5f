//! Compliance per rule id (R-30, R-20/21, R-22, R-31, R-01/02/05/06, R-35/36/38, R-50), with
//! hand-computed expectations, plus the reasons for credits not counted and the summaries.

use std::collections::HashSet;

use chrono::NaiveDate;
use cmedesk_core::compliance::{
    ComplianceInput, ComplianceReport, ComplianceStatus, Gap, NotCountedReason, RequirementKind, StaffYear,
    evaluate,
};
use cmedesk_core::credits::{Centi, CreditClass, CreditRecord, CreditSource, ReviewStatus, Subject};
use cmedesk_core::rules::RuleBook;

fn c(x: f64) -> Centi {
    Centi::from_decimal(x).expect("two decimals")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// A credit: (id, staff, date, category, class, credits, hours).
fn cr(
    id: &str,
    staff: &str,
    date: &str,
    category: &str,
    class: Option<CreditClass>,
    credits: f64,
    hours: f64,
) -> CreditRecord {
    CreditRecord {
        id: id.into(),
        staff_id: staff.into(),
        cme_year: d(date).format("%Y").to_string().parse().expect("year"),
        rule_set: "test".into(),
        activity_date: d(date),
        source: CreditSource::Manual,
        project_id: None,
        project_code: None,
        activity_name: format!("活动 {id}"),
        category: category.into(),
        credit_level: None,
        class,
        credits: c(credits),
        hours: c(hours),
        subject: Subject::Professional,
        issuer: "示例医院".into(),
        review_status: ReviewStatus::Approved,
        rate: None,
        cap: None,
        platform: None,
    }
}

fn person(id: &str) -> StaffYear {
    StaffYear {
        staff_id: id.into(),
        department_id: Some("dept-a".into()),
        title_level: None,
        exemption: None,
        deemed_complete: None,
    }
}

fn run(rule_set: &str, year: i32, staff: &[StaffYear], credits: &[CreditRecord]) -> ComplianceReport {
    run_with(rule_set, year, staff, credits, &[], &HashSet::new(), None)
}

fn run_with(
    rule_set: &str,
    year: i32,
    staff: &[StaffYear],
    credits: &[CreditRecord],
    history: &[CreditRecord],
    revoked: &HashSet<String>,
    hospital_kind: Option<&str>,
) -> ComplianceReport {
    let book = RuleBook::embedded().expect("rules");
    evaluate(&ComplianceInput {
        rule_set: book.get(rule_set).expect("rule set"),
        year,
        staff,
        credits,
        history,
        revoked,
        hospital_kind,
    })
    .expect("compliance")
}

/// (requirement, missing) pairs.
type Gaps = Vec<(RequirementKind, Centi)>;

const I: Option<CreditClass> = Some(CreditClass::ClassI);
const II: Option<CreditClass> = Some(CreditClass::ClassII);

fn gaps_of(r: &ComplianceReport, who: &str) -> Gaps {
    r.people
        .iter()
        .find(|p| p.staff_id == who)
        .expect("person")
        .gaps
        .iter()
        .map(|g| (g.requirement, g.missing))
        .collect()
}

/// Class I / II credits as project credits in the legacy categories.
fn classes(staff: &str, year: i32, class_i: f64, class_ii: f64) -> Vec<CreditRecord> {
    vec![
        cr(
            &format!("{staff}-i"),
            staff,
            &format!("{year}-05-01"),
            "project-national",
            I,
            class_i,
            class_i * 3.0,
        ),
        cr(
            &format!("{staff}-ii"),
            staff,
            &format!("{year}-06-01"),
            "project-municipal",
            II,
            class_ii,
            class_ii * 6.0,
        ),
    ]
}

#[test]
fn r30_legacy_classes_without_substitution_table() {
    // (who, title level, class I, class II, expected gaps)
    let cases: Vec<(&str, Option<&str>, f64, f64, Gaps)> = vec![
        ("a", None, 10.0, 15.0, vec![]),
        ("b", None, 20.0, 5.0, vec![(RequirementKind::ClassIi, c(10.0))]),
        ("c", None, 4.0, 21.0, vec![(RequirementKind::ClassI, c(1.0))]),
        ("d", Some("senior"), 8.0, 17.0, vec![(RequirementKind::ClassI, c(2.0))]),
        ("e", None, 5.0, 15.0, vec![(RequirementKind::Credits, c(5.0))]),
    ];
    for (who, title, i, ii, expected) in cases {
        let mut s = person(who);
        s.title_level = title.map(str::to_string);
        let r = run("national-2006", 2015, &[s], &classes(who, 2015, i, ii));
        assert_eq!(gaps_of(&r, who), expected, "R-30 case {who}");
        let status =
            if expected.is_empty() { ComplianceStatus::Compliant } else { ComplianceStatus::NonCompliant };
        assert_eq!(r.people[0].status, status, "R-30 case {who}");
    }
}

#[test]
fn r20_r21_notice_2019_half_substitution_table() {
    let cases: Vec<(&str, Option<&str>, f64, f64, Gaps)> = vec![
        // short 2 of class I, class II covers up to 2.5 of its 7 excess → met.
        ("e", None, 3.0, 22.0, vec![]),
        // short 3, cover 2.5 → 0.5 missing.
        ("f", None, 2.0, 23.0, vec![(RequirementKind::ClassI, c(0.5))]),
        // class II short 2, class I excess 7 covers it (≤ 7.5).
        ("g", None, 12.0, 13.0, vec![]),
        // senior: class I short 4, cover min(5, excess 4) = 4 → met.
        ("h", Some("senior"), 6.0, 19.0, vec![]),
        // class II short 10 > 7.5 → 2.5 missing even with a large class I excess.
        ("k", None, 20.0, 5.0, vec![(RequirementKind::ClassIi, c(2.5))]),
    ];
    for (who, title, i, ii, expected) in cases {
        let mut s = person(who);
        s.title_level = title.map(str::to_string);
        let r = run("national-2019", 2020, &[s], &classes(who, 2020, i, ii));
        assert_eq!(gaps_of(&r, who), expected, "R-21 case {who}");
    }
}

#[test]
fn r22_deemed_complete_only_for_listed_situations() {
    let mut res = person("r");
    res.deemed_complete = Some("residency".into());
    let mut other = person("o");
    other.deemed_complete = Some("holiday".into());
    let r = run("national-2019", 2021, &[res, other], &[]);
    assert_eq!(r.people[0].status, ComplianceStatus::Compliant);
    assert!(r.people[0].note.as_deref().is_some_and(|n| n.contains("R-22")));
    assert_eq!(r.people[1].status, ComplianceStatus::NonCompliant);
}

#[test]
fn r31_national_credits_within_five_years_reported_for_tertiary_hospitals() {
    let mut this_year = classes("t", 2015, 10.0, 15.0);
    this_year[0].credit_level = Some("national".into());
    this_year[0].credits = c(3.0);
    this_year.push(cr("t-i2", "t", "2015-07-01", "project-provincial", I, 7.0, 42.0));
    let mut history = vec![
        cr("h1", "t", "2012-05-01", "project-national", I, 4.0, 12.0),
        cr("h2", "t", "2014-05-01", "project-national", I, 2.0, 6.0),
        // Outside the 5-year span (2011..2015): not counted.
        cr("h0", "t", "2010-05-01", "project-national", I, 9.0, 27.0),
    ];
    for h in &mut history {
        h.credit_level = Some("national".into());
    }
    let r = run_with(
        "national-2006",
        2015,
        &[person("t")],
        &this_year,
        &history,
        &HashSet::new(),
        Some("tertiary"),
    );
    let p = &r.people[0];
    // 3 + 4 + 2 = 9 < 10: reported, not blocking in national-2006.
    assert_eq!(
        p.advisories,
        vec![Gap {
            requirement: RequirementKind::NationalWithinYears,
            required: c(10.0),
            have: c(9.0),
            missing: c(1.0)
        }]
    );
    assert_eq!(p.status, ComplianceStatus::Compliant);
    // Not a tertiary hospital: nothing reported.
    let r = run_with(
        "national-2006",
        2015,
        &[person("t")],
        &this_year,
        &history,
        &HashSet::new(),
        Some("secondary"),
    );
    assert!(r.people[0].advisories.is_empty());
}

#[test]
fn r01_r02_r05_reform_credits_and_hours_one_type() {
    let cases: Vec<(&str, f64, f64, Gaps)> = vec![
        ("j", 25.0, 90.0, vec![]),
        ("k", 30.0, 80.0, vec![(RequirementKind::Hours, c(10.0))]),
        ("l", 20.0, 95.0, vec![(RequirementKind::Credits, c(5.0))]),
    ];
    for (who, credits, hours, expected) in cases {
        // R-05: no class on the records; no class requirement either.
        let list = vec![cr(&format!("{who}-1"), who, "2025-04-01", "project-national", None, credits, hours)];
        let r = run("national-2024", 2025, &[person(who)], &list);
        assert_eq!(gaps_of(&r, who), expected, "R-01/02 case {who}");
        assert_eq!(r.people[0].totals.class_i, Centi::ZERO);
    }
}

#[test]
fn r06_r36_self_study_caps_through_the_category_tree() {
    let list = vec![
        cr("s1", "p", "2025-03-01", "self-study", None, 8.0, 24.0),
        // Review: its own cap 5 leaves room, the parent's 10 only 2 → counts 2 (hours 2/4 of 8).
        cr("s2", "p", "2025-04-01", "self-study-review", None, 4.0, 8.0),
        cr("s3", "p", "2025-05-01", "self-study", None, 3.0, 9.0),
        cr("x", "p", "2025-06-01", "project-national", None, 20.0, 60.0),
    ];
    let r = run("national-2024", 2025, &[person("p")], &list);
    let p = &r.people[0];
    let by_id = |id: &str| p.decisions.iter().find(|x| x.credit_id == id).expect("decision").clone();
    assert_eq!((by_id("s1").counted_credits, by_id("s1").reason), (c(8.0), None));
    let cap = Some(NotCountedReason::CategoryCap { category: "self-study".into(), cap: c(10.0) });
    assert_eq!(
        (by_id("s2").counted_credits, by_id("s2").counted_hours, by_id("s2").reason.clone()),
        (c(2.0), c(4.0), cap.clone())
    );
    assert_eq!((by_id("s3").counted_credits, by_id("s3").reason.clone()), (Centi::ZERO, cap));
    // 8 + 2 + 0 + 20 = 30 credits, 24 + 4 + 0 + 60 = 88 hours → 2 hours short.
    assert_eq!((p.totals.credits, p.totals.hours), (c(30.0), c(88.0)));
    assert_eq!(gaps_of(&r, "p"), vec![(RequirementKind::Hours, c(2.0))]);
}

#[test]
fn r35_r38_in_house_and_further_study_year_caps() {
    let mut list: Vec<CreditRecord> = (1..=4)
        .map(|i| {
            cr(&format!("h{i}"), "q", &format!("2015-0{i}-10"), "in-house-lecture-speaker", II, 3.0, 3.0)
        })
        .collect();
    list.push(cr("f1", "q", "2015-05-01", "further-study", II, 15.0, 0.0));
    list.push(cr("f2", "q", "2015-06-01", "further-study", II, 15.0, 0.0));
    let r = run("national-2006", 2015, &[person("q")], &list);
    let counted: Vec<(String, Centi)> =
        r.people[0].decisions.iter().map(|x| (x.credit_id.clone(), x.counted_credits)).collect();
    // R-35: 3 + 3 + 3 + 1 = 10; R-38: 15 + 10 = 25.
    assert_eq!(
        counted,
        vec![
            ("h1".into(), c(3.0)),
            ("h2".into(), c(3.0)),
            ("h3".into(), c(3.0)),
            ("h4".into(), c(1.0)),
            ("f1".into(), c(15.0)),
            ("f2".into(), c(10.0)),
        ]
    );
    assert_eq!(r.people[0].totals.class_ii, c(35.0));
}

#[test]
fn every_credit_not_counted_has_a_reason() {
    let mut pending = cr("m1", "z", "2015-03-01", "paper", II, 2.0, 0.0);
    pending.review_status = ReviewStatus::Pending;
    let mut rejected = cr("m2", "z", "2015-03-02", "paper", II, 2.0, 0.0);
    rejected.review_status = ReviewStatus::Rejected;
    let revoked_one = cr("g1", "z", "2015-04-01", "project-national", I, 4.0, 12.0);
    let outside = cr("o1", "z", "2014-12-31", "project-national", I, 4.0, 12.0);
    let mut granted = cr("g2", "z", "2015-05-01", "project-national", I, 4.0, 12.0);
    granted.source = CreditSource::Attendance;
    granted.project_code = Some("2015-01-01-001(国)".into());
    let mut typed_again = cr("m3", "z", "2015-05-02", "project-national", I, 4.0, 12.0);
    typed_again.project_code = Some("2015-01-01-001(国)".into());
    let mut speaker = granted.clone();
    speaker.id = "sp".into();
    speaker.source = CreditSource::Speaker;
    let list = vec![pending, rejected, revoked_one, outside, granted, typed_again, speaker];
    let revoked: HashSet<String> = ["g1".to_string()].into();
    let r = run_with("national-2006", 2015, &[person("z")], &list, &[], &revoked, None);
    let reasons: Vec<(String, Option<NotCountedReason>)> =
        r.people[0].decisions.iter().map(|x| (x.credit_id.clone(), x.reason.clone())).collect();
    assert_eq!(
        reasons,
        vec![
            ("o1".into(), Some(NotCountedReason::OutsideYear)),
            ("m1".into(), Some(NotCountedReason::NotApproved { status: ReviewStatus::Pending })),
            ("m2".into(), Some(NotCountedReason::NotApproved { status: ReviewStatus::Rejected })),
            ("g1".into(), Some(NotCountedReason::Revoked)),
            ("g2".into(), None),
            ("sp".into(), None),
            (
                "m3".into(),
                Some(NotCountedReason::DuplicateProject { project_code: "2015-01-01-001(国)".into() })
            ),
        ]
    );
    assert!(reasons.iter().filter_map(|(_, r)| r.as_ref()).all(|r| !r.message_zh().is_empty()));
}

#[test]
fn r50_professional_share_in_the_provincial_override() {
    // Province CME year 2026 runs 2025-10-01 … 2026-09-30.
    let mut general = cr("g", "w", "2025-11-01", "general-subject", None, 10.0, 40.0);
    general.subject = Subject::General;
    let list = vec![general, cr("p", "w", "2026-09-30", "project-national", None, 16.67, 50.0)];
    let r = run("province-example", 2026, &[person("w")], &list);
    // 90 h × 66.67% = 60.00 h professional needed, 50 h had.
    assert_eq!(gaps_of(&r, "w"), vec![(RequirementKind::ProfessionalHours, c(10.0))]);
    assert_eq!(r.people[0].totals.credits, c(26.67));
    assert_eq!(r.year.starts_on, d("2025-10-01"));
}

#[test]
fn exemptions_and_summaries() {
    let mut ex = person("x");
    ex.exemption = Some("产假（不计达标）".into());
    let mut other_dept = person("y");
    other_dept.department_id = Some("dept-b".into());
    let staff = vec![person("a"), person("b"), ex, other_dept];
    let mut list = classes("a", 2015, 10.0, 15.0);
    list.extend(classes("y", 2015, 10.0, 15.0));
    let r = run("national-2006", 2015, &staff, &list);
    let statuses: Vec<ComplianceStatus> = r.people.iter().map(|p| p.status).collect();
    assert_eq!(
        statuses,
        [
            ComplianceStatus::Compliant,
            ComplianceStatus::NonCompliant,
            ComplianceStatus::Exempt,
            ComplianceStatus::Compliant
        ]
    );
    assert_eq!(r.people[2].note.as_deref(), Some("产假（不计达标）"));
    // Hospital: 2 of 3 non-exempt = 66.66%; dept-a: 1 of 2 = 50%; dept-b: 100%.
    assert_eq!((r.hospital.total, r.hospital.compliant, r.hospital.exempt), (4, 2, 1));
    assert_eq!(r.hospital.rate_percent, c(66.66));
    let rates: Vec<(Option<String>, Centi)> =
        r.departments.iter().map(|d| (d.department_id.clone(), d.summary.rate_percent)).collect();
    assert_eq!(rates, vec![(Some("dept-a".into()), c(50.0)), (Some("dept-b".into()), c(100.0))]);
}

#[test]
fn forecast_gaps_with_review_and_schedule() {
    use cmedesk_core::forecast::{Outlook, ScheduledCredit, forecast};
    let mut pending = cr("b2", "b", "2025-08-01", "paper", None, 3.0, 12.0);
    pending.review_status = ReviewStatus::Pending;
    let list = vec![
        cr("a1", "a", "2025-03-01", "project-national", None, 25.0, 90.0),
        cr("b1", "b", "2025-03-01", "project-national", None, 20.0, 60.0),
        pending,
        cr("c1", "c", "2025-03-01", "project-national", None, 10.0, 30.0),
    ];
    let sched = |staff: &str, code: &str, on: &str, credits: f64, hours: f64| ScheduledCredit {
        staff_id: staff.into(),
        project_code: code.into(),
        expected_on: d(on),
        category: "project-national".into(),
        credit_level: Some("national".into()),
        class: None,
        credits: c(credits),
        hours: c(hours),
        subject: Subject::Professional,
    };
    let scheduled = vec![
        sched("b", "2025-12-01-001(国)", "2025-11-20", 2.0, 18.0),
        sched("c", "2025-12-01-001(国)", "2025-11-20", 5.0, 15.0),
        // Next year's project does not help this year.
        sched("c", "2026-01-01-001(国)", "2026-01-15", 20.0, 60.0),
    ];
    let mut ex = person("x");
    ex.exemption = Some("注销".into());
    let staff = vec![person("a"), person("b"), person("c"), ex];
    let book = RuleBook::embedded().expect("rules");
    let revoked = HashSet::new();
    let input = ComplianceInput {
        rule_set: book.get("national-2024").expect("present"),
        year: 2025,
        staff: &staff,
        credits: &list,
        history: &[],
        revoked: &revoked,
        hospital_kind: None,
    };
    let f = forecast(&input, &scheduled, d("2025-10-01")).expect("forecast");
    let outlooks: Vec<Outlook> = f.people.iter().map(|p| p.outlook).collect();
    assert_eq!(outlooks, [Outlook::Met, Outlook::OnTrack, Outlook::AtRisk, Outlook::Exempt]);
    let b = &f.people[1];
    // b: 20 + 3 in review + 2 scheduled = 25 credits, 60 + 12 + 18 = 90 hours.
    assert_eq!((b.in_review, b.scheduled), (c(3.0), c(2.0)));
    assert_eq!(
        b.gaps_now.iter().map(|g| (g.requirement, g.missing)).collect::<Vec<_>>(),
        vec![(RequirementKind::Credits, c(5.0)), (RequirementKind::Hours, c(30.0))]
    );
    assert!(b.gaps_projected.is_empty());
    // c: 10 + 5 = 15 credits (10 short), 30 + 15 = 45 hours (45 short).
    let cf = &f.people[2];
    assert_eq!(
        cf.gaps_projected.iter().map(|g| (g.requirement, g.missing)).collect::<Vec<_>>(),
        vec![(RequirementKind::Credits, c(10.0)), (RequirementKind::Hours, c(45.0))]
    );
    assert_eq!((f.at_risk, f.missing_credits, cf.days_left), (1, c(10.0), 91));
}
