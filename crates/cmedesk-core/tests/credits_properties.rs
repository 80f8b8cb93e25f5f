//! Property tests of the credits engine: granting is idempotent (and independent of swipe
//! order), analysis never counts a swipe outside the holding period, compliance never counts a
//! credit it should not.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};
use cmedesk_core::attendance::{
    AnalysisInput, AttendanceAnalysis, AttendanceWindow, HoldingPeriod, SwipeInput, SwipeStatus, Swiper,
    analyze,
};
use cmedesk_core::compliance::{ComplianceInput, StaffYear, evaluate};
use cmedesk_core::credits::{Centi, CreditRecord, CreditSource, ReviewStatus, Subject};
use cmedesk_core::grant::{CourseInput, GrantInput, GrantStrategy, ProjectInput, grant_participants};
use cmedesk_core::rules::{AttendanceChecks, RuleBook};
use proptest::prelude::*;

fn tz() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00")
}

/// Project held on days 1 and 2 of June 2025 (day 0 and day 3 are outside); two windows.
fn setup() -> (Vec<HoldingPeriod>, Vec<AttendanceWindow>) {
    let at = |d: u32, h: u32| tz().with_ymd_and_hms(2025, 6, d, h, 0, 0).single().expect("valid");
    (
        vec![HoldingPeriod {
            starts_on: NaiveDate::from_ymd_opt(2025, 6, 2).expect("date"),
            ends_on: NaiveDate::from_ymd_opt(2025, 6, 3).expect("date"),
        }],
        vec![
            AttendanceWindow { label: "上午".into(), starts_at: at(2, 7), ends_at: at(2, 10) },
            // This window reaches past the period's end on purpose: a swipe in it on 4 June
            // must still not count.
            AttendanceWindow { label: "下午".into(), starts_at: at(3, 15), ends_at: at(4, 12) },
        ],
    )
}

/// Swipes: (person 0..20 or unknown card 20..23, minutes from 1 June 00:00 +08 over 4 days, status).
fn swipes_strategy() -> impl Strategy<Value = Vec<SwipeInput>> {
    prop::collection::vec((0u32..23, 0i64..(4 * 24 * 60), 0u8..10), 0..300).prop_map(|v| {
        let base: DateTime<FixedOffset> = tz().with_ymd_and_hms(2025, 6, 1, 0, 0, 0).single().expect("valid");
        v.into_iter()
            .enumerate()
            .map(|(i, (p, m, s))| SwipeInput {
                swipe_id: format!("w{i:04}"),
                swiper: if p < 20 {
                    Swiper::Staff(format!("s{p:02}"))
                } else {
                    Swiper::UnknownCard(format!("uid:{p:02X}"))
                },
                at: base + Duration::minutes(m),
                status: match s {
                    0 => SwipeStatus::Duplicate,
                    1 => SwipeStatus::Voided,
                    _ => SwipeStatus::Recorded,
                },
            })
            .collect()
    })
}

fn run_analysis(swipes: &[SwipeInput]) -> AttendanceAnalysis {
    let (periods, windows) = setup();
    analyze(&AnalysisInput {
        periods: &periods,
        windows: &windows,
        swipes,
        expected: &[],
        duration_minutes: Some(960),
        other_projects: &[],
        speakers: &[],
        checks: &AttendanceChecks::default(),
        repeat_gap_seconds: 60,
    })
    .expect("valid input")
}

fn project() -> ProjectInput {
    ProjectInput {
        id: "p".into(),
        code: "2025-06-02-001(国)".into(),
        name: "属性测试项目".into(),
        credit_level: "national".into(),
        total_hours: Centi::units(12),
        declared_credits: None,
        last_day: NaiveDate::from_ymd_opt(2025, 6, 3).expect("date"),
        issuer: "示例医院".into(),
        subject: Subject::Professional,
        courses: vec![
            CourseInput {
                id: "c1".into(),
                title: "一".into(),
                hours: Centi::units(5),
                windows: vec![0],
                speaker_staff_id: None,
            },
            CourseInput {
                id: "c2".into(),
                title: "二".into(),
                hours: Centi::units(7),
                windows: vec![1],
                speaker_staff_id: None,
            },
        ],
    }
}

fn strategy_of(k: u8) -> GrantStrategy {
    match k % 7 {
        0 => GrantStrategy::AnyAttendanceFull,
        1 => GrantStrategy::AnyCourseFull,
        2 => GrantStrategy::AllCoursesFull,
        3 => GrantStrategy::ProRataByCourseHours,
        4 => GrantStrategy::AtLeastNSwipes { n: 2 },
        5 => GrantStrategy::MustHaveEvaluated,
        _ => GrantStrategy::MustHavePassedExam,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn analysis_never_counts_a_swipe_outside_the_period(swipes in swipes_strategy()) {
        let a = run_analysis(&swipes);
        let (periods, _) = setup();
        let by_id: HashMap<&str, &SwipeInput> = swipes.iter().map(|s| (s.swipe_id.as_str(), s)).collect();
        let in_period = |s: &SwipeInput| {
            let day = s.at.date_naive();
            periods.iter().any(|p| p.starts_on <= day && day <= p.ends_on)
        };
        for p in &a.people {
            for id in p.window_swipes.iter().flatten() {
                let s = by_id[id.as_str()];
                prop_assert!(in_period(s), "counted swipe {id} outside the period");
                prop_assert_eq!(s.status, SwipeStatus::Recorded);
                prop_assert_eq!(&s.swiper, &p.swiper);
            }
            let eligible = swipes.iter().filter(|s| s.swiper == p.swiper && s.status == SwipeStatus::Recorded && in_period(s)).count();
            prop_assert!(p.counted_swipes as usize <= eligible);
            if eligible == 0 {
                prop_assert!(!p.valid);
                prop_assert_eq!(p.counted_swipes, 0);
            }
            if p.valid {
                prop_assert!(p.reasons.is_empty());
                prop_assert!(matches!(p.swiper, Swiper::Staff(_)));
            } else {
                prop_assert!(!p.reasons.is_empty(), "every invalid person has a reason");
            }
        }
        prop_assert_eq!(a.valid_count + a.invalid_count, a.people.len());
    }

    #[test]
    fn granting_is_idempotent_and_independent_of_swipe_order(
        swipes in swipes_strategy(),
        k in 0u8..7,
        rotate in 0usize..300,
    ) {
        let book = RuleBook::embedded().expect("rules");
        let rs = book.get("national-2024").expect("present");
        let p = project();
        let strategy = strategy_of(k);
        let evaluated: Vec<String> = (0..10).map(|i| format!("s{i:02}")).collect();
        let passed: Vec<String> = (5..15).map(|i| format!("s{i:02}")).collect();
        let grant = |a: &AttendanceAnalysis| grant_participants(&GrantInput {
            project: &p, analysis: a, strategy: &strategy, exclusions: &[], activity_date: None,
            evaluated: &evaluated, exam_passed: &passed, rule_set: rs,
        }).expect("grant");
        let a = run_analysis(&swipes);
        let first = grant(&a);
        prop_assert_eq!(&first, &grant(&a));
        // Same swipes in another order: same credits.
        let mut shuffled = swipes.clone();
        if !shuffled.is_empty() {
            let n = rotate % shuffled.len();
            shuffled.rotate_left(n);
        }
        prop_assert_eq!(&first.credits, &grant(&run_analysis(&shuffled)).credits);
        let ids: HashSet<&str> = first.credits.iter().map(|c| c.id.as_str()).collect();
        prop_assert_eq!(ids.len(), first.credits.len());
        for c in &first.credits {
            prop_assert!(c.credits <= Centi::units(25), "R-34 cap");
            prop_assert!(c.credits.is_positive());
        }
    }

    #[test]
    fn compliance_never_counts_a_non_counted_credit(
        raw in prop::collection::vec((0u8..6, 0u8..8, 0i64..500, 1i64..1500, 0u8..12, any::<bool>()), 0..80),
    ) {
        let book = RuleBook::embedded().expect("rules");
        let rs = book.get("national-2024").expect("present");
        let cats = ["self-study", "self-study-review", "paper", "further-study", "project-national", "in-house-case-attendee"];
        let statuses = [ReviewStatus::Approved, ReviewStatus::Approved, ReviewStatus::Approved, ReviewStatus::Pending,
            ReviewStatus::Draft, ReviewStatus::Returned, ReviewStatus::Rejected, ReviewStatus::Approved];
        let start = NaiveDate::from_ymd_opt(2024, 11, 1).expect("date");
        let mut revoked = HashSet::new();
        let credits: Vec<CreditRecord> = raw.iter().enumerate().map(|(i, &(cat, st, day, amount, code, rev))| {
            let id = format!("k{i:03}");
            if rev && i % 3 == 0 { revoked.insert(id.clone()); }
            CreditRecord {
                id,
                staff_id: format!("s{}", i % 3),
                cme_year: 2025,
                rule_set: rs.id.clone(),
                activity_date: start + Duration::days(day),
                source: CreditSource::Manual,
                project_id: None,
                project_code: (code < 4).then(|| format!("P{code}")),
                activity_name: "x".into(),
                category: cats[usize::from(cat)].into(),
                credit_level: None,
                class: None,
                credits: Centi(amount),
                hours: Centi(amount * 3),
                subject: Subject::Professional,
                issuer: "x".into(),
                review_status: statuses[usize::from(st)],
                rate: None,
                cap: None,
                platform: None,
            }
        }).collect();
        let staff: Vec<StaffYear> = (0..3).map(|i| StaffYear {
            staff_id: format!("s{i}"), department_id: None, title_level: None, exemption: None, deemed_complete: None,
        }).collect();
        let r = evaluate(&ComplianceInput {
            rule_set: rs, year: 2025, staff: &staff, credits: &credits, history: &[], revoked: &revoked, hospital_kind: None,
        }).expect("compliance");
        let year = rs.year(2025).expect("2025");
        let by_id: HashMap<&str, &CreditRecord> = credits.iter().map(|c| (c.id.as_str(), c)).collect();
        for p in &r.people {
            let mut sum = Centi::ZERO;
            let mut per_cat: HashMap<&str, Centi> = HashMap::new();
            for dcs in &p.decisions {
                let c = by_id[dcs.credit_id.as_str()];
                prop_assert_eq!(&c.staff_id, &p.staff_id);
                let must_not_count = c.review_status != ReviewStatus::Approved
                    || revoked.contains(&c.id)
                    || !year.contains(c.activity_date);
                if must_not_count {
                    prop_assert_eq!(dcs.counted_credits, Centi::ZERO);
                    prop_assert!(dcs.reason.is_some(), "a non-counted credit carries its reason");
                }
                prop_assert!(dcs.counted_credits <= c.credits);
                if dcs.counted_credits < c.credits {
                    prop_assert!(dcs.reason.is_some(), "a partly counted credit carries its reason");
                }
                sum += dcs.counted_credits;
                for cat in rs.category_chain(&c.category) {
                    *per_cat.entry(cat.key.as_str()).or_default() += dcs.counted_credits;
                }
            }
            prop_assert_eq!(sum, p.totals.credits);
            for (k, v) in per_cat {
                if let Some(cap) = rs.category(k).and_then(|c| c.cap_per_year) {
                    prop_assert!(v <= cap, "category {} over its cap", k);
                }
            }
        }
    }
}
