//! Criterion benches for the two credits-engine targets (issue 5):
//! attendance analysis of 1,000,000 swipes for 10,000 people and 20 windows (≤ 1 s), and
//! compliance for 10,000 staff for one year (≤ 500 ms). Inputs are synthetic and generated with a
//! fixed-seed generator outside the timed part. Run: `cargo bench -p cmedesk-core --bench credits`.

use std::collections::HashSet;
use std::hint::black_box;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone};
use cmedesk_core::attendance::{
    AnalysisInput, AttendanceWindow, HoldingPeriod, SwipeInput, SwipeStatus, Swiper, analyze,
};
use cmedesk_core::compliance::{ComplianceInput, StaffYear, evaluate};
use cmedesk_core::credits::{Centi, CreditRecord, CreditSource, ReviewStatus, Subject};
use cmedesk_core::rules::{AttendanceChecks, CheckMode, RuleBook};
use criterion::{Criterion, criterion_group, criterion_main};

/// xorshift64*: deterministic and dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const PEOPLE: usize = 10_000;
const SWIPES: usize = 1_000_000;
const WINDOWS: usize = 20;

fn attendance_input() -> (Vec<HoldingPeriod>, Vec<AttendanceWindow>, Vec<SwipeInput>) {
    let tz = FixedOffset::east_opt(8 * 3600).expect("+08:00");
    let day0: DateTime<FixedOffset> = tz.with_ymd_and_hms(2025, 6, 2, 0, 0, 0).single().expect("valid");
    // Five days, four 1-hour windows a day (08, 11, 14, 17 o'clock).
    let periods = vec![HoldingPeriod {
        starts_on: NaiveDate::from_ymd_opt(2025, 6, 2).expect("date"),
        ends_on: NaiveDate::from_ymd_opt(2025, 6, 6).expect("date"),
    }];
    let windows: Vec<AttendanceWindow> = (0..WINDOWS)
        .map(|i| {
            let start = day0 + Duration::days((i / 4) as i64) + Duration::hours(8 + 3 * (i % 4) as i64);
            AttendanceWindow {
                label: format!("W{}", i + 1),
                starts_at: start,
                ends_at: start + Duration::hours(1),
            }
        })
        .collect();
    let mut rng = Rng(0x5eed_c0de);
    let swipes = (0..SWIPES)
        .map(|i| {
            let person = rng.below(PEOPLE as u64 + 50);
            let swiper = if person < PEOPLE as u64 {
                Swiper::Staff(format!("staff-{person:05}"))
            } else {
                Swiper::UnknownCard(format!("uid:{person:08X}"))
            };
            // 90% inside a window, 10% anywhere from a day before to a day after the period.
            let at = if rng.below(10) < 9 {
                windows[rng.below(WINDOWS as u64) as usize].starts_at
                    + Duration::seconds(rng.below(3600) as i64)
            } else {
                day0 - Duration::days(1) + Duration::seconds(rng.below(7 * 86_400) as i64)
            };
            SwipeInput {
                swipe_id: format!("sw-{i:07}"),
                swiper,
                at,
                status: if rng.below(50) == 0 { SwipeStatus::Duplicate } else { SwipeStatus::Recorded },
            }
        })
        .collect();
    (periods, windows, swipes)
}

fn compliance_input() -> (Vec<StaffYear>, Vec<CreditRecord>) {
    let mut rng = Rng(0xc0ff_ee00);
    let cats = [
        "project-national",
        "project-provincial",
        "paper",
        "self-study",
        "self-study-review",
        "further-study",
        "in-house-case-attendee",
        "remote",
    ];
    let staff: Vec<StaffYear> = (0..PEOPLE)
        .map(|i| StaffYear {
            staff_id: format!("staff-{i:05}"),
            department_id: Some(format!("dept-{:02}", i % 40)),
            title_level: None,
            exemption: (i % 97 == 0).then(|| "不计达标".to_string()),
            deemed_complete: (i % 211 == 0).then(|| "residency".to_string()),
        })
        .collect();
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let mut credits = Vec::with_capacity(PEOPLE * 20);
    for (i, s) in staff.iter().enumerate() {
        for j in 0..20 {
            let amount = 25 + rng.below(300) as i64;
            credits.push(CreditRecord {
                id: format!("cr-{i:05}-{j:02}"),
                staff_id: s.staff_id.clone(),
                cme_year: 2025,
                rule_set: "national-2024".into(),
                activity_date: start + Duration::days(rng.below(380) as i64),
                source: CreditSource::Manual,
                project_id: None,
                project_code: (j % 4 == 0).then(|| format!("2025-{:03}", rng.below(500))),
                activity_name: "活动".into(),
                category: cats[rng.below(cats.len() as u64) as usize].into(),
                credit_level: None,
                class: None,
                credits: Centi(amount),
                hours: Centi(amount * 3),
                subject: Subject::Professional,
                issuer: "示例医院".into(),
                review_status: if rng.below(10) == 0 {
                    ReviewStatus::Pending
                } else {
                    ReviewStatus::Approved
                },
                rate: None,
                cap: None,
                platform: None,
            });
        }
    }
    (staff, credits)
}

fn bench(c: &mut Criterion) {
    let (periods, windows, swipes) = attendance_input();
    let checks = AttendanceChecks {
        min_presence_percent: Centi::units(80),
        overlapping_projects: CheckMode::Off,
        speaker_among_attendees: CheckMode::Warn,
    };
    let speakers = vec!["staff-00001".to_string()];
    let mut g = c.benchmark_group("credits");
    g.sample_size(10);
    g.bench_function("attendance_1m_swipes_10k_people_20_windows", |b| {
        b.iter(|| {
            let a = analyze(&AnalysisInput {
                periods: &periods,
                windows: &windows,
                swipes: black_box(&swipes),
                expected: &[],
                duration_minutes: Some(5 * 8 * 60),
                other_projects: &[],
                speakers: &speakers,
                checks: &checks,
                repeat_gap_seconds: 60,
            })
            .expect("valid input");
            black_box(a.valid_count)
        })
    });
    let book = RuleBook::embedded().expect("rules");
    let rs = book.get("national-2024").expect("present");
    let (staff, credits) = compliance_input();
    let revoked = HashSet::new();
    g.bench_function("compliance_10k_staff_one_year", |b| {
        b.iter(|| {
            let r = evaluate(&ComplianceInput {
                rule_set: rs,
                year: 2025,
                staff: &staff,
                credits: black_box(&credits),
                history: &[],
                revoked: &revoked,
                hospital_kind: None,
            })
            .expect("compliance");
            black_box(r.hospital.compliant)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
