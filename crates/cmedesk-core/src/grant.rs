//! Granting credits (授分, W4 and §4.3): turn an attendance analysis into credit records by a
//! grant strategy, minus the people an officer unticked (with a reason) and those an optional
//! check excludes; speakers are granted separately. Amounts follow the rule set: credits per
//! hours (or sessions) at the credit level's rate, capped per project (R-32… ); the rate
//! and cap used are copied onto every record. Record ids are derived from (source, project,
//! staff), so granting twice yields the same records: the store keeps one.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::attendance::{AttendanceAnalysis, CheckFlag, InvalidReason, PersonAttendance};
use crate::credits::{
    Centi, CreditClass, CreditError, CreditRecord, CreditSource, RateSnapshot, ReviewStatus, Subject,
    deterministic_id,
};
use crate::rules::{CheckMode, Rate, RuleSet};

/// A course (课程) of the project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct CourseInput {
    /// Course id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Hours.
    pub hours: Centi,
    /// Attendance windows (0-based, in the analysis' order) that prove presence at this course;
    /// empty: any counted swipe does.
    pub windows: Vec<usize>,
    /// The speaker, when a staff member of the hospital.
    pub speaker_staff_id: Option<String>,
}

/// The project as granting needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectInput {
    /// Project id.
    pub id: String,
    /// 项目编号.
    pub code: String,
    /// Name.
    pub name: String,
    /// Credit level key in the rule set (`national`, `provincial`, `municipal`, `hospital`).
    pub credit_level: String,
    /// Total hours (学时) of the project.
    pub total_hours: Centi,
    /// Credits on the approval, when declared: an upper bound for participants.
    pub declared_credits: Option<Centi>,
    /// Last day of the holding periods: the default activity date.
    pub last_day: NaiveDate,
    /// 承办单位.
    pub issuer: String,
    /// 公需 / 专业.
    pub subject: Subject,
    /// Courses.
    pub courses: Vec<CourseInput>,
}

/// How valid attendance maps to credits (授分策略).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "strategy", rename_all = "kebab-case")]
pub enum GrantStrategy {
    /// Any counted swipe in the period: full credits.
    AnyAttendanceFull,
    /// Any course attended: full credits.
    AnyCourseFull,
    /// Every course attended: full credits.
    AllCoursesFull,
    /// Credits in proportion to the hours of the courses attended.
    ProRataByCourseHours,
    /// At least `n` counted swipes (n ≥ 2): full credits.
    AtLeastNSwipes {
        /// Swipes needed.
        n: u32,
    },
    /// Valid attendance and the project evaluated.
    MustHaveEvaluated,
    /// Valid attendance and the exam passed.
    MustHavePassedExam,
}

impl GrantStrategy {
    /// Parses the CLI / UI name (`any-attendance-full`, `at-least-3-swipes`, ...).
    pub fn parse(name: &str) -> Result<GrantStrategy, CreditError> {
        Ok(match name {
            "any-attendance-full" => GrantStrategy::AnyAttendanceFull,
            "any-course-full" => GrantStrategy::AnyCourseFull,
            "all-courses-full" => GrantStrategy::AllCoursesFull,
            "pro-rata-by-course-hours" => GrantStrategy::ProRataByCourseHours,
            "must-have-evaluated" => GrantStrategy::MustHaveEvaluated,
            "must-have-passed-exam" => GrantStrategy::MustHavePassedExam,
            other => {
                let n = other
                    .strip_prefix("at-least-")
                    .and_then(|r| r.strip_suffix("-swipes"))
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| CreditError::StrategyInvalid {
                        message: format!("unknown strategy {other}"),
                    })?;
                GrantStrategy::AtLeastNSwipes { n }
            }
        })
    }
}

/// An individual unticked by the officer (suspected cheating, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Exclusion {
    /// The staff member.
    pub staff_id: String,
    /// Why (required).
    pub reason: String,
}

/// Why a person got nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotGrantedReason {
    /// Attendance not valid, with the analysis' reasons.
    Attendance {
        /// From the analysis.
        reasons: Vec<InvalidReason>,
    },
    /// No course attended.
    NoCourseAttended,
    /// Some courses not attended (all-courses strategy).
    CoursesMissing {
        /// Their titles.
        courses: Vec<String>,
    },
    /// Fewer counted swipes than the strategy needs.
    TooFewSwipes {
        /// Counted.
        have: u32,
        /// Needed.
        need: u32,
    },
    /// Did not evaluate the project.
    NotEvaluated,
    /// Did not pass the exam.
    ExamNotPassed,
    /// An optional check set to exclude fired.
    Check {
        /// The check.
        flag: CheckFlag,
    },
    /// Unticked by the officer.
    Excluded {
        /// The officer's reason.
        reason: String,
    },
}

/// A person without credit and why; unknown cards are listed by card key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NotGranted {
    /// Staff id, or the card key for unknown cards.
    pub who: String,
    /// Why.
    pub reason: NotGrantedReason,
}

/// A warning on a granted person (speaker among attendees, ...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct GrantWarning {
    /// Staff id.
    pub staff_id: String,
    /// The check.
    pub flag: CheckFlag,
}

/// Everything one grant decided.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct GrantOutcome {
    /// Credits granted, sorted by staff id.
    pub credits: Vec<CreditRecord>,
    /// People without credit, with the reason.
    pub not_granted: Vec<NotGranted>,
    /// Warnings on granted people.
    pub warnings: Vec<GrantWarning>,
}

/// Input of a participant grant.
#[derive(Clone, Copy, Debug)]
pub struct GrantInput<'a> {
    /// The project.
    pub project: &'a ProjectInput,
    /// Its attendance analysis.
    pub analysis: &'a AttendanceAnalysis,
    /// The strategy.
    pub strategy: &'a GrantStrategy,
    /// Unticked people.
    pub exclusions: &'a [Exclusion],
    /// Activity date, when not the last day.
    pub activity_date: Option<NaiveDate>,
    /// Staff who evaluated the project.
    pub evaluated: &'a [String],
    /// Staff who passed the exam.
    pub exam_passed: &'a [String],
    /// Rule set of the CME year.
    pub rule_set: &'a RuleSet,
}

/// What the rate counts: hours, or sessions for per-session rates.
fn quantity(rate: &Rate, hours: Centi, sessions: usize) -> Centi {
    if rate.unit == "session" {
        Centi::units(i64::try_from(sessions).unwrap_or(i64::MAX / 100))
    } else {
        hours
    }
}

fn snapshot(rate: &Rate) -> RateSnapshot {
    RateSnapshot { credits: rate.credits, per: rate.per, unit: rate.unit.clone() }
}

/// What every credit of one project grant shares.
struct ProjectCredit<'a> {
    project: &'a ProjectInput,
    rule_set: &'a RuleSet,
    year: i32,
    activity_date: NaiveDate,
    category: &'a str,
}

impl ProjectCredit<'_> {
    /// One person's attendance or speaker credit: `rate` on the hours (or sessions), capped; the
    /// id derives from (source, project, staff), so granting twice yields the same record.
    fn credit(
        &self,
        source: CreditSource,
        staff_id: &str,
        rate: &Rate,
        class: Option<CreditClass>,
        (hours, sessions): (Centi, usize),
        cap: Option<Centi>,
    ) -> CreditRecord {
        let mut credits = rate.apply(quantity(rate, hours, sessions));
        if let Some(c) = cap {
            credits = credits.min(c);
        }
        let project = self.project;
        CreditRecord {
            id: deterministic_id(&[source.as_str(), &project.id, staff_id]),
            staff_id: staff_id.to_string(),
            cme_year: self.year,
            rule_set: self.rule_set.id.clone(),
            activity_date: self.activity_date,
            source,
            project_id: Some(project.id.clone()),
            project_code: Some(project.code.clone()),
            activity_name: project.name.clone(),
            category: self.category.to_string(),
            credit_level: Some(project.credit_level.clone()),
            class,
            credits,
            hours,
            subject: project.subject,
            issuer: project.issuer.clone(),
            review_status: ReviewStatus::Approved,
            rate: Some(snapshot(rate)),
            cap,
            platform: None,
        }
    }
}

fn category_for(rule_set: &RuleSet, credit_level: &str) -> String {
    let specific = format!("project-{credit_level}");
    if rule_set.category(&specific).is_some() { specific } else { "project".to_string() }
}

/// Which courses a person attended.
fn courses_attended<'p>(project: &'p ProjectInput, person: &PersonAttendance) -> Vec<&'p CourseInput> {
    project
        .courses
        .iter()
        .filter(|c| {
            if c.windows.is_empty() {
                person.counted_swipes > 0
            } else {
                c.windows.iter().all(|&w| person.window_swipes.get(w).is_some_and(Option::is_some))
            }
        })
        .collect()
}

/// Grants participants' credits.
pub fn grant_participants(input: &GrantInput<'_>) -> Result<GrantOutcome, CreditError> {
    let project = input.project;
    let rule_set = input.rule_set;
    if let GrantStrategy::AtLeastNSwipes { n } = input.strategy
        && *n < 2
    {
        return Err(CreditError::StrategyInvalid {
            message: format!("at-least-N-swipes needs N ≥ 2, got {n}"),
        });
    }
    let needs_courses = matches!(
        input.strategy,
        GrantStrategy::AnyCourseFull | GrantStrategy::AllCoursesFull | GrantStrategy::ProRataByCourseHours
    );
    if needs_courses && project.courses.is_empty() {
        return Err(CreditError::StrategyInvalid { message: "the project has no courses".into() });
    }
    let course_hours: Centi = project.courses.iter().map(|c| c.hours).sum();
    if matches!(input.strategy, GrantStrategy::ProRataByCourseHours) && !course_hours.is_positive() {
        return Err(CreditError::StrategyInvalid { message: "pro rata needs course hours".into() });
    }
    let mut excluded: BTreeMap<&str, &str> = BTreeMap::new();
    for e in input.exclusions {
        if e.reason.trim().is_empty() {
            return Err(CreditError::ReasonRequired);
        }
        excluded.insert(e.staff_id.as_str(), e.reason.as_str());
    }
    let rate = rule_set.project_rate(&project.credit_level)?;
    let cap = match (rate.cap, project.declared_credits) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let activity_date = input.activity_date.unwrap_or(project.last_day);
    let year = rule_set.year_of(activity_date)?;
    let category = category_for(rule_set, &project.credit_level);
    let evaluated: HashSet<&str> = input.evaluated.iter().map(String::as_str).collect();
    let passed: HashSet<&str> = input.exam_passed.iter().map(String::as_str).collect();
    let sessions_total = project.courses.len().max(1);

    let mut out = GrantOutcome::default();
    for person in &input.analysis.people {
        let Some(staff_id) = person.staff_id() else {
            out.not_granted.push(NotGranted {
                who: match &person.swiper {
                    crate::attendance::Swiper::UnknownCard(k) => k.clone(),
                    crate::attendance::Swiper::Staff(s) => s.clone(),
                },
                reason: NotGrantedReason::Attendance { reasons: person.reasons.clone() },
            });
            continue;
        };
        let refuse = |reason| NotGranted { who: staff_id.to_string(), reason };
        let attendance_refusal = || refuse(NotGrantedReason::Attendance { reasons: person.reasons.clone() });
        // Decide eligibility and the hours / sessions earned.
        let attended = courses_attended(project, person);
        let earned: Result<(Centi, usize), NotGranted> = match input.strategy {
            GrantStrategy::AnyAttendanceFull => {
                if person.counted_swipes > 0 {
                    Ok((project.total_hours, sessions_total))
                } else {
                    Err(attendance_refusal())
                }
            }
            GrantStrategy::AnyCourseFull => {
                if attended.is_empty() {
                    Err(refuse(NotGrantedReason::NoCourseAttended))
                } else {
                    Ok((project.total_hours, sessions_total))
                }
            }
            GrantStrategy::AllCoursesFull => {
                if attended.len() == project.courses.len() {
                    Ok((project.total_hours, sessions_total))
                } else {
                    let have: HashSet<&str> = attended.iter().map(|c| c.id.as_str()).collect();
                    Err(refuse(NotGrantedReason::CoursesMissing {
                        courses: project
                            .courses
                            .iter()
                            .filter(|c| !have.contains(c.id.as_str()))
                            .map(|c| c.title.clone())
                            .collect(),
                    }))
                }
            }
            GrantStrategy::ProRataByCourseHours => {
                if attended.is_empty() {
                    Err(refuse(NotGrantedReason::NoCourseAttended))
                } else {
                    let hours: Centi = attended.iter().map(|c| c.hours).sum();
                    // Project hours in proportion to the course hours attended.
                    Ok((project.total_hours.mul_ratio(hours, course_hours), attended.len()))
                }
            }
            GrantStrategy::AtLeastNSwipes { n } => {
                if person.counted_swipes >= *n {
                    Ok((project.total_hours, sessions_total))
                } else {
                    Err(refuse(NotGrantedReason::TooFewSwipes { have: person.counted_swipes, need: *n }))
                }
            }
            GrantStrategy::MustHaveEvaluated => {
                if !person.valid {
                    Err(attendance_refusal())
                } else if !evaluated.contains(staff_id) {
                    Err(refuse(NotGrantedReason::NotEvaluated))
                } else {
                    Ok((project.total_hours, sessions_total))
                }
            }
            GrantStrategy::MustHavePassedExam => {
                if !person.valid {
                    Err(attendance_refusal())
                } else if !passed.contains(staff_id) {
                    Err(refuse(NotGrantedReason::ExamNotPassed))
                } else {
                    Ok((project.total_hours, sessions_total))
                }
            }
        };
        let (hours, sessions) = match earned {
            Ok(x) => x,
            Err(ng) => {
                out.not_granted.push(ng);
                continue;
            }
        };
        if let Some(reason) = excluded.get(staff_id) {
            out.not_granted.push(refuse(NotGrantedReason::Excluded { reason: (*reason).to_string() }));
            continue;
        }
        if let Some(flag) = person.flags.iter().find(|f| f.mode() == CheckMode::Exclude) {
            out.not_granted.push(refuse(NotGrantedReason::Check { flag: flag.clone() }));
            continue;
        }
        for flag in person.flags.iter().filter(|f| f.mode() == CheckMode::Warn) {
            out.warnings.push(GrantWarning { staff_id: staff_id.to_string(), flag: flag.clone() });
        }
        let at = ProjectCredit { project, rule_set, year: year.year, activity_date, category: &category };
        out.credits.push(at.credit(
            CreditSource::Attendance,
            staff_id,
            &rate.participant,
            rate.class,
            (hours, sessions),
            cap,
        ));
    }
    out.credits.sort_by(|a, b| a.staff_id.cmp(&b.staff_id));
    Ok(out)
}

/// Grants speakers' credits (主讲人授分): the speaker rate on the hours (or sessions) of each
/// speaker's courses, capped per project. Unticked speakers get nothing.
pub fn grant_speakers(
    project: &ProjectInput,
    rule_set: &RuleSet,
    activity_date: Option<NaiveDate>,
    exclusions: &[Exclusion],
) -> Result<GrantOutcome, CreditError> {
    let rate = rule_set.project_rate(&project.credit_level)?;
    let activity_date = activity_date.unwrap_or(project.last_day);
    let year = rule_set.year_of(activity_date)?;
    let category = category_for(rule_set, &project.credit_level);
    let mut by_speaker: BTreeMap<&str, (Centi, usize)> = BTreeMap::new();
    for c in &project.courses {
        if let Some(s) = &c.speaker_staff_id {
            let e = by_speaker.entry(s.as_str()).or_default();
            e.0 += c.hours;
            e.1 += 1;
        }
    }
    let mut out = GrantOutcome::default();
    for (staff_id, (hours, sessions)) in by_speaker {
        if let Some(e) = exclusions.iter().find(|e| e.staff_id == staff_id) {
            if e.reason.trim().is_empty() {
                return Err(CreditError::ReasonRequired);
            }
            out.not_granted.push(NotGranted {
                who: staff_id.to_string(),
                reason: NotGrantedReason::Excluded { reason: e.reason.clone() },
            });
            continue;
        }
        let at = ProjectCredit { project, rule_set, year: year.year, activity_date, category: &category };
        out.credits.push(at.credit(
            CreditSource::Speaker,
            staff_id,
            &rate.speaker,
            rate.class,
            (hours, sessions),
            rate.cap,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attendance::{
        AnalysisInput, AttendanceWindow, HoldingPeriod, SwipeInput, SwipeStatus, Swiper, analyze,
    };
    use crate::rules::{AttendanceChecks, RuleBook};
    use chrono::{DateTime, FixedOffset};

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).expect("test timestamp")
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }
    fn c(x: f64) -> Centi {
        Centi::from_decimal(x).expect("two decimals")
    }

    /// One-day project, three 4-hour courses, one window each (start of the course).
    fn analysis() -> AttendanceAnalysis {
        let periods = [HoldingPeriod { starts_on: d("2018-05-20"), ends_on: d("2018-05-20") }];
        let windows: Vec<AttendanceWindow> = ["08", "12", "16"]
            .iter()
            .map(|h| AttendanceWindow {
                label: format!("{h}:00"),
                starts_at: t(&format!("2018-05-20T{h}:00:00+08:00")),
                ends_at: t(&format!("2018-05-20T{h}:30:00+08:00")),
            })
            .collect();
        let mut swipes = Vec::new();
        let mut add = |who: Swiper, hh: &str| {
            swipes.push(SwipeInput {
                swipe_id: format!("{who:?}{hh}"),
                swiper: who,
                at: t(&format!("2018-05-20T{hh}:10:00+08:00")),
                status: SwipeStatus::Recorded,
            })
        };
        let staff = |s: &str| Swiper::Staff(s.into());
        for hh in ["08", "12", "16"] {
            add(staff("s1"), hh);
        }
        add(staff("s2"), "08");
        add(staff("s2"), "12");
        add(staff("s3"), "08");
        add(staff("s4"), "10");
        add(Swiper::UnknownCard("uid:0A0B".into()), "08");
        analyze(&AnalysisInput {
            periods: &periods,
            windows: &windows,
            swipes: &swipes,
            expected: &[],
            duration_minutes: None,
            other_projects: &[],
            speakers: &[],
            checks: &AttendanceChecks::default(),
            repeat_gap_seconds: 60,
        })
        .expect("valid analysis")
    }

    fn project(level: &str, hours: f64) -> ProjectInput {
        ProjectInput {
            id: "p-1".into(),
            code: "2018-05-01-001(国)".into(),
            name: "急诊医学新进展".into(),
            credit_level: level.into(),
            total_hours: c(hours),
            declared_credits: None,
            last_day: d("2018-05-20"),
            issuer: "示例市第一人民医院".into(),
            subject: Subject::Professional,
            courses: (0..3)
                .map(|i| CourseInput {
                    id: format!("c{}", i + 1),
                    title: format!("课程{}", i + 1),
                    hours: c(hours / 3.0),
                    windows: vec![i],
                    speaker_staff_id: (i < 2).then(|| "sp1".to_string()),
                })
                .collect(),
        }
    }

    fn run(strategy: GrantStrategy, project: &ProjectInput, rule_set: &str) -> GrantOutcome {
        let book = RuleBook::embedded().expect("rules");
        let rs = book.get(rule_set).expect("rule set");
        let a = analysis();
        grant_participants(&GrantInput {
            project,
            analysis: &a,
            strategy: &strategy,
            exclusions: &[],
            activity_date: None,
            evaluated: &["s1".into(), "s2".into()],
            exam_passed: &["s2".into()],
            rule_set: rs,
        })
        .expect("grant")
    }

    fn amounts(o: &GrantOutcome) -> Vec<(String, Centi, Centi)> {
        o.credits.iter().map(|r| (r.staff_id.clone(), r.credits, r.hours)).collect()
    }

    fn reason_of<'a>(o: &'a GrantOutcome, who: &str) -> &'a NotGrantedReason {
        &o.not_granted.iter().find(|n| n.who == who).expect("listed as not granted").reason
    }

    #[test]
    fn r32_strategies_table_national_12_hours() {
        // National project, 12 h: full credits 12 / 3 = 4.00.
        let p = project("national", 12.0);
        let full = |s: &str| (s.to_string(), c(4.0), c(12.0));
        type Amounts = Vec<(String, Centi, Centi)>;
        let cases: Vec<(GrantStrategy, Amounts)> = vec![
            (GrantStrategy::AnyAttendanceFull, vec![full("s1"), full("s2"), full("s3"), full("s4")]),
            (GrantStrategy::AnyCourseFull, vec![full("s1"), full("s2"), full("s3")]),
            (GrantStrategy::AllCoursesFull, vec![full("s1")]),
            (
                // s2 attended 8 of 12 course hours → 8 h → 2.66; s3 4 h → 1.33.
                GrantStrategy::ProRataByCourseHours,
                vec![full("s1"), ("s2".into(), c(2.66), c(8.0)), ("s3".into(), c(1.33), c(4.0))],
            ),
            (GrantStrategy::AtLeastNSwipes { n: 2 }, vec![full("s1"), full("s2")]),
            (GrantStrategy::MustHaveEvaluated, vec![full("s1")]),
            (GrantStrategy::MustHavePassedExam, vec![]),
        ];
        for (strategy, expected) in cases {
            let o = run(strategy.clone(), &p, "national-2006");
            assert_eq!(amounts(&o), expected, "{strategy:?}");
            // The unknown card never gets credit.
            assert!(o.not_granted.iter().any(|n| n.who == "uid:0A0B"), "{strategy:?}");
        }
    }

    #[test]
    fn w4_reasons_for_people_not_granted() {
        let p = project("national", 12.0);
        let o = run(GrantStrategy::AllCoursesFull, &p, "national-2006");
        assert_eq!(reason_of(&o, "s2"), &NotGrantedReason::CoursesMissing { courses: vec!["课程3".into()] });
        let o = run(GrantStrategy::AtLeastNSwipes { n: 2 }, &p, "national-2006");
        assert_eq!(reason_of(&o, "s4"), &NotGrantedReason::TooFewSwipes { have: 1, need: 2 });
        let o = run(GrantStrategy::MustHavePassedExam, &p, "national-2006");
        assert_eq!(reason_of(&o, "s1"), &NotGrantedReason::ExamNotPassed);
        assert!(matches!(reason_of(&o, "s2"), NotGrantedReason::Attendance { .. }));
        let o = run(GrantStrategy::MustHaveEvaluated, &p, "national-2006");
        assert!(matches!(reason_of(&o, "s3"), NotGrantedReason::Attendance { .. }));
        let o = run(GrantStrategy::AnyCourseFull, &p, "national-2006");
        assert_eq!(reason_of(&o, "s4"), &NotGrantedReason::NoCourseAttended);
    }

    #[test]
    fn r33_r34_r08_amounts_and_snapshots() {
        // provincial 24 h → 4.00, class I, rate 1 per 6 h copied onto the record.
        let o = run(GrantStrategy::AllCoursesFull, &project("provincial", 24.0), "national-2006");
        let r = &o.credits[0];
        assert_eq!((r.credits, r.class), (c(4.0), Some(crate::credits::CreditClass::ClassI)));
        assert_eq!(r.rate.as_ref().map(|x| x.per), Some(c(6.0)));
        assert_eq!(r.cap, Some(c(25.0)));
        assert_eq!(r.category, "project-provincial");
        assert_eq!(r.activity_date, d("2018-05-20"), "activity date defaults to the last day");
        // national 90 h → 30 credits, capped at 25; a declared 10 caps lower.
        let o = run(GrantStrategy::AllCoursesFull, &project("national", 90.0), "national-2006");
        assert_eq!(o.credits[0].credits, c(25.0));
        let mut p = project("national", 90.0);
        p.declared_credits = Some(c(10.0));
        let o = run(GrantStrategy::AllCoursesFull, &p, "national-2006");
        assert_eq!((o.credits[0].credits, o.credits[0].cap), (c(10.0), Some(c(10.0))));
    }

    #[test]
    fn r08_reform_projects_three_hours_one_credit_and_no_class() {
        let mut p = project("provincial", 12.0);
        p.last_day = d("2025-05-20");
        let book = RuleBook::embedded().expect("rules");
        let a = analysis();
        let o = grant_participants(&GrantInput {
            project: &p,
            analysis: &a,
            strategy: &GrantStrategy::AllCoursesFull,
            exclusions: &[],
            activity_date: None,
            evaluated: &[],
            exam_passed: &[],
            rule_set: book.get("national-2024").expect("present"),
        })
        .expect("grant");
        assert_eq!((o.credits[0].credits, o.credits[0].class), (c(4.0), None));
        assert_eq!(o.credits[0].cme_year, 2025);
    }

    #[test]
    fn r35_in_house_sessions_and_r32_speakers() {
        // attendee 0.5 per session × 3 sessions = 1.50; speaker 2 per session × 2 = 4.00.
        let p = project("hospital", 3.0);
        let o = run(GrantStrategy::AllCoursesFull, &p, "national-2006");
        assert_eq!(amounts(&o), vec![("s1".into(), c(1.5), c(3.0))]);
        let book = RuleBook::embedded().expect("rules");
        let rs = book.get("national-2006").expect("present");
        let s = grant_speakers(&p, rs, None, &[]).expect("speakers");
        assert_eq!(amounts(&s), vec![("sp1".into(), c(4.0), c(2.0))]);
        // national speakers 2 per hour: two 1.5-hour courses = 3 h → 6.00.
        let s = grant_speakers(&project("national", 4.5), rs, None, &[]).expect("speakers");
        assert_eq!(amounts(&s), vec![("sp1".into(), c(6.0), c(3.0))]);
        assert_eq!(s.credits[0].source, CreditSource::Speaker);
        let s = grant_speakers(
            &project("national", 4.5),
            rs,
            None,
            &[Exclusion { staff_id: "sp1".into(), reason: "外院讲者另行授分".into() }],
        )
        .expect("speakers");
        assert!(s.credits.is_empty());
    }

    #[test]
    fn untick_needs_a_reason_and_granting_twice_is_identical() {
        let p = project("national", 12.0);
        let book = RuleBook::embedded().expect("rules");
        let rs = book.get("national-2006").expect("present");
        let a = analysis();
        let mut input = GrantInput {
            project: &p,
            analysis: &a,
            strategy: &GrantStrategy::AnyAttendanceFull,
            exclusions: &[],
            activity_date: Some(d("2018-05-19")),
            evaluated: &[],
            exam_passed: &[],
            rule_set: rs,
        };
        let first = grant_participants(&input).expect("grant");
        assert_eq!(first, grant_participants(&input).expect("grant again"));
        assert!(first.credits.iter().all(|r| r.activity_date == d("2018-05-19")));
        let ex = [Exclusion { staff_id: "s1".into(), reason: "疑似代刷".into() }];
        input.exclusions = &ex;
        let o = grant_participants(&input).expect("grant");
        assert_eq!(reason_of(&o, "s1"), &NotGrantedReason::Excluded { reason: "疑似代刷".into() });
        // Same ids for the others: a re-grant with an untick does not create new records.
        let ids_before: Vec<&str> = first.credits.iter().skip(1).map(|r| r.id.as_str()).collect();
        let ids_after: Vec<&str> = o.credits.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids_before, ids_after);
        let blank = [Exclusion { staff_id: "s1".into(), reason: " ".into() }];
        input.exclusions = &blank;
        assert_eq!(grant_participants(&input).unwrap_err().code(), "REASON_REQUIRED");
        input.exclusions = &[];
        input.activity_date = Some(d("2040-01-01"));
        assert_eq!(grant_participants(&input).unwrap_err().code(), "DATE_OUTSIDE_CME_YEARS");
    }

    #[test]
    fn strategy_names_parse() {
        assert_eq!(
            GrantStrategy::parse("at-least-3-swipes").expect("parses"),
            GrantStrategy::AtLeastNSwipes { n: 3 }
        );
        assert_eq!(
            GrantStrategy::parse("pro-rata-by-course-hours").expect("parses"),
            GrantStrategy::ProRataByCourseHours
        );
        assert!(GrantStrategy::parse("everyone").is_err());
        let p = project("national", 12.0);
        let book = RuleBook::embedded().expect("rules");
        let a = analysis();
        let e = grant_participants(&GrantInput {
            project: &p,
            analysis: &a,
            strategy: &GrantStrategy::AtLeastNSwipes { n: 1 },
            exclusions: &[],
            activity_date: None,
            evaluated: &[],
            exam_passed: &[],
            rule_set: book.get("national-2006").expect("present"),
        })
        .expect_err("N < 2 refused");
        assert_eq!(e.field(), Some("strategy"));
    }
}
