//! Remote learning (远程教育, W5, seed 000): decide from a platform's learning records who
//! completed a remote project, and produce their (read-only) credits.
//!
//! Mobile platform (华西云课堂): live and on-demand both count; a course is complete after 30
//! cumulative minutes. PC platform (区域协同平台): only live sessions count; a course is complete
//! with both sign-in and sign-out. Both: every course of the project, and the exam for class I
//! projects. The two platforms' data never combine: each is judged on its own, and a person
//! complete only by mixing them gets nothing, with that reason.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::credits::{
    Centi, CreditClass, CreditError, CreditRecord, CreditSource, ReviewStatus, Subject, deterministic_id,
};
use crate::rules::RuleSet;

/// The remote platform a record comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    /// 华西云课堂 APP.
    Mobile,
    /// 华西区域协同医疗服务平台 (PC).
    Pc,
}

impl Platform {
    /// Name shown to officers and stored on the credit.
    pub fn name_zh(self) -> &'static str {
        match self {
            Platform::Mobile => "华西云课堂",
            Platform::Pc => "区域协同平台",
        }
    }
}

/// Live session or on-demand replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum LearningMode {
    /// 直播.
    Live,
    /// 点播.
    OnDemand,
}

/// One learning record as imported from a platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct LearningRecord {
    /// Platform.
    pub platform: Platform,
    /// Staff member.
    pub staff_id: String,
    /// Project code.
    pub project_code: String,
    /// Course id.
    pub course_id: String,
    /// Live or on demand.
    pub mode: LearningMode,
    /// Minutes learned in this record.
    pub minutes: u32,
    /// Signed in during the live session (PC).
    pub signed_in: bool,
    /// Signed out during the live session (PC).
    pub signed_out: bool,
}

/// An exam result on a platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ExamRecord {
    /// Platform.
    pub platform: Platform,
    /// Staff member.
    pub staff_id: String,
    /// Project code.
    pub project_code: String,
    /// Passed.
    pub passed: bool,
}

/// A course of a remote project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RemoteCourse {
    /// Course id (as on the platform).
    pub id: String,
    /// Title.
    pub title: String,
}

/// A remote project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RemoteProject {
    /// Project id.
    pub id: String,
    /// Project code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Class I projects need the exam.
    pub class: Option<CreditClass>,
    /// Credit level key.
    pub credit_level: String,
    /// Credits awarded on completion.
    pub credits: Centi,
    /// Hours awarded on completion.
    pub hours: Centi,
    /// Activity date of the credit.
    pub activity_date: NaiveDate,
    /// Issuer (the remote centre).
    pub issuer: String,
    /// Every course is required.
    pub courses: Vec<RemoteCourse>,
}

/// Platform completion rules; `Default` is the seed's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RemotePolicy {
    /// Mobile: cumulative minutes for a course to be complete (seed: 30).
    pub mobile_minutes_per_course: u32,
    /// Exam required for every project, not only class I. The PC manual's rule ② reads this way
    /// while its rule ④ says class I; the default follows ④ and domain.md.
    pub exam_always: bool,
}

impl Default for RemotePolicy {
    fn default() -> Self {
        RemotePolicy { mobile_minutes_per_course: 30, exam_always: false }
    }
}

/// Why a person did not complete on a platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum RemoteReason {
    /// Mobile: too few minutes on a course.
    CourseMinutesShort {
        /// Course title.
        course: String,
        /// Minutes learned.
        minutes: u32,
        /// Minutes required.
        required: u32,
    },
    /// PC: no live session with both sign-in and sign-out (on-demand earns nothing).
    CourseNotSignedInAndOut {
        /// Course title.
        course: String,
        /// Only on-demand records exist for it.
        on_demand_only: bool,
    },
    /// The exam is required and not passed on this platform.
    ExamNotPassed,
    /// Complete only when both platforms are combined, which the rules forbid.
    PlatformsNotCombined,
}

/// One person's incomplete result on one platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RemoteIncomplete {
    /// Staff member.
    pub staff_id: String,
    /// Platform judged (None for the cross-platform note).
    pub platform: Option<Platform>,
    /// Reasons.
    pub reasons: Vec<RemoteReason>,
}

/// Result for a project.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RemoteOutcome {
    /// Credits for people who completed on a platform (one per person).
    pub credits: Vec<CreditRecord>,
    /// People who did not, with reasons per platform.
    pub incomplete: Vec<RemoteIncomplete>,
}

#[derive(Default)]
struct CourseProgress {
    minutes: u32,
    live_signed: bool,
    on_demand: bool,
}

type Progress<'a> = HashMap<&'a str, CourseProgress>;

fn judge(
    project: &RemoteProject,
    platform: Platform,
    progress: Option<&Progress<'_>>,
    exam_passed: bool,
    exam_required: bool,
    policy: &RemotePolicy,
) -> Vec<RemoteReason> {
    let mut reasons = Vec::new();
    for course in &project.courses {
        let p = progress.and_then(|m| m.get(course.id.as_str()));
        match platform {
            Platform::Mobile => {
                let minutes = p.map_or(0, |p| p.minutes);
                if minutes < policy.mobile_minutes_per_course {
                    reasons.push(RemoteReason::CourseMinutesShort {
                        course: course.title.clone(),
                        minutes,
                        required: policy.mobile_minutes_per_course,
                    });
                }
            }
            Platform::Pc => {
                if !p.is_some_and(|p| p.live_signed) {
                    reasons.push(RemoteReason::CourseNotSignedInAndOut {
                        course: course.title.clone(),
                        on_demand_only: p.is_some_and(|p| p.on_demand),
                    });
                }
            }
        }
    }
    if exam_required && !exam_passed {
        reasons.push(RemoteReason::ExamNotPassed);
    }
    reasons
}

/// Judges every person with records for the project and grants the complete ones.
pub fn evaluate(
    project: &RemoteProject,
    records: &[LearningRecord],
    exams: &[ExamRecord],
    policy: &RemotePolicy,
    rule_set: &RuleSet,
) -> Result<RemoteOutcome, CreditError> {
    let year = rule_set.year_of(project.activity_date)?;
    let exam_required = policy.exam_always || project.class == Some(CreditClass::ClassI);
    // (staff, platform) → course → progress, only for this project.
    let mut progress: BTreeMap<(&str, Platform), Progress<'_>> = BTreeMap::new();
    let mut people: BTreeSet<&str> = BTreeSet::new();
    for r in records.iter().filter(|r| r.project_code == project.code) {
        people.insert(r.staff_id.as_str());
        let p = progress
            .entry((r.staff_id.as_str(), r.platform))
            .or_default()
            .entry(r.course_id.as_str())
            .or_default();
        match (r.platform, r.mode) {
            (Platform::Mobile, _) => p.minutes = p.minutes.saturating_add(r.minutes),
            (Platform::Pc, LearningMode::Live) => {
                p.live_signed |= r.signed_in && r.signed_out;
            }
            (Platform::Pc, LearningMode::OnDemand) => p.on_demand = true,
        }
    }
    let mut passed: BTreeSet<(&str, Platform)> = BTreeSet::new();
    for e in exams.iter().filter(|e| e.project_code == project.code && e.passed) {
        passed.insert((e.staff_id.as_str(), e.platform));
    }
    let class = if rule_set.requirement.classes { project.class } else { None };
    let mut out = RemoteOutcome::default();
    for staff in people {
        let mut complete_on = None;
        let mut failures = Vec::new();
        for platform in [Platform::Mobile, Platform::Pc] {
            let prog = progress.get(&(staff, platform));
            if prog.is_none() && !passed.contains(&(staff, platform)) {
                continue;
            }
            let reasons =
                judge(project, platform, prog, passed.contains(&(staff, platform)), exam_required, policy);
            if reasons.is_empty() {
                complete_on = complete_on.or(Some(platform));
            } else {
                failures.push((platform, reasons));
            }
        }
        if let Some(platform) = complete_on {
            out.credits.push(CreditRecord {
                // No platform in the id: completing on both platforms still earns one credit.
                id: deterministic_id(&["remote", &project.id, staff]),
                staff_id: staff.to_string(),
                cme_year: year.year,
                rule_set: rule_set.id.clone(),
                activity_date: project.activity_date,
                source: CreditSource::Remote,
                project_id: Some(project.id.clone()),
                project_code: Some(project.code.clone()),
                activity_name: project.name.clone(),
                category: "remote".into(),
                credit_level: Some(project.credit_level.clone()),
                class,
                credits: project.credits,
                hours: project.hours,
                subject: Subject::Professional,
                issuer: project.issuer.clone(),
                review_status: ReviewStatus::Approved,
                rate: None,
                cap: None,
                platform: Some(platform.name_zh().to_string()),
            });
            continue;
        }
        // Would the union of both platforms have been complete? Then say why it is not.
        let combined_complete = failures.len() == 2 && {
            let (m, p) = (&failures[0].1, &failures[1].1);
            let course_ok = |title: &str| {
                let bad_m = m
                    .iter()
                    .any(|r| matches!(r, RemoteReason::CourseMinutesShort { course, .. } if course == title));
                let bad_p = p.iter().any(
                    |r| matches!(r, RemoteReason::CourseNotSignedInAndOut { course, .. } if course == title),
                );
                !(bad_m && bad_p)
            };
            let exam_ok = !exam_required
                || passed.contains(&(staff, Platform::Mobile))
                || passed.contains(&(staff, Platform::Pc));
            exam_ok && project.courses.iter().all(|c| course_ok(&c.title))
        };
        for (platform, reasons) in failures {
            out.incomplete.push(RemoteIncomplete {
                staff_id: staff.to_string(),
                platform: Some(platform),
                reasons,
            });
        }
        if combined_complete {
            out.incomplete.push(RemoteIncomplete {
                staff_id: staff.to_string(),
                platform: None,
                reasons: vec![RemoteReason::PlatformsNotCombined],
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleBook;

    /// The seed's example: 《PRP 康复、再生技术》 with three courses.
    fn prp(class: Option<CreditClass>) -> RemoteProject {
        RemoteProject {
            id: "rp-1".into(),
            code: "2020-R-001".into(),
            name: "PRP 康复、再生技术".into(),
            class,
            credit_level: "provincial".into(),
            credits: Centi::units(5),
            hours: Centi::units(15),
            activity_date: NaiveDate::from_ymd_opt(2020, 6, 1).expect("date"),
            issuer: "华西远程医学中心".into(),
            courses: [
                "绘制关节软骨修复与关节康复的新策略",
                "从 OA 指南看再生医学对退行性病变的指导",
                "关节规范化康复查体及临床意义",
            ]
            .iter()
            .enumerate()
            .map(|(i, t)| RemoteCourse { id: format!("k{}", i + 1), title: (*t).into() })
            .collect(),
        }
    }

    fn rec(
        platform: Platform,
        staff: &str,
        course: &str,
        mode: LearningMode,
        minutes: u32,
        signed: bool,
    ) -> LearningRecord {
        LearningRecord {
            platform,
            staff_id: staff.into(),
            project_code: "2020-R-001".into(),
            course_id: course.into(),
            mode,
            minutes,
            signed_in: signed,
            signed_out: signed,
        }
    }

    fn exam(platform: Platform, staff: &str) -> ExamRecord {
        ExamRecord { platform, staff_id: staff.into(), project_code: "2020-R-001".into(), passed: true }
    }

    fn run(class: Option<CreditClass>, records: &[LearningRecord], exams: &[ExamRecord]) -> RemoteOutcome {
        let book = RuleBook::embedded().expect("rules");
        evaluate(
            &prp(class),
            records,
            exams,
            &RemotePolicy::default(),
            book.get("national-2019").expect("present"),
        )
        .expect("evaluate")
    }

    use LearningMode::{Live, OnDemand};
    use Platform::{Mobile, Pc};

    #[test]
    fn w5_mobile_live_and_on_demand_sum_to_30_minutes_per_course() {
        let records = vec![
            // m1: k1 20 live + 10 on demand = 30; k2 30; k3 45 → complete.
            rec(Mobile, "m1", "k1", Live, 20, false),
            rec(Mobile, "m1", "k1", OnDemand, 10, false),
            rec(Mobile, "m1", "k2", OnDemand, 30, false),
            rec(Mobile, "m1", "k3", Live, 45, false),
            // m2: the seed's right-hand column: course 2 not complete (29 min).
            rec(Mobile, "m2", "k1", Live, 30, false),
            rec(Mobile, "m2", "k2", Live, 29, false),
            rec(Mobile, "m2", "k3", Live, 30, false),
        ];
        let o = run(Some(CreditClass::ClassII), &records, &[]);
        assert_eq!(o.credits.len(), 1);
        let c = &o.credits[0];
        assert_eq!((c.staff_id.as_str(), c.credits, c.hours), ("m1", Centi::units(5), Centi::units(15)));
        assert_eq!(c.platform.as_deref(), Some("华西云课堂"));
        assert_eq!((c.source, c.class), (CreditSource::Remote, Some(CreditClass::ClassII)));
        assert_eq!(
            o.incomplete,
            vec![RemoteIncomplete {
                staff_id: "m2".into(),
                platform: Some(Mobile),
                reasons: vec![RemoteReason::CourseMinutesShort {
                    course: "从 OA 指南看再生医学对退行性病变的指导".into(),
                    minutes: 29,
                    required: 30
                }]
            }]
        );
    }

    #[test]
    fn w5_pc_needs_live_sign_in_and_out_on_demand_earns_nothing() {
        let records = vec![
            rec(Pc, "p1", "k1", Live, 60, true),
            rec(Pc, "p1", "k2", Live, 60, true),
            rec(Pc, "p1", "k3", Live, 60, true),
            rec(Pc, "p2", "k1", Live, 60, true),
            rec(Pc, "p2", "k2", OnDemand, 90, false),
            rec(Pc, "p2", "k3", Live, 60, false),
        ];
        let o = run(Some(CreditClass::ClassII), &records, &[]);
        assert_eq!(o.credits.iter().map(|c| c.staff_id.as_str()).collect::<Vec<_>>(), ["p1"]);
        assert_eq!(
            o.incomplete[0].reasons,
            vec![
                RemoteReason::CourseNotSignedInAndOut {
                    course: "从 OA 指南看再生医学对退行性病变的指导".into(),
                    on_demand_only: true
                },
                RemoteReason::CourseNotSignedInAndOut {
                    course: "关节规范化康复查体及临床意义".into(),
                    on_demand_only: false
                },
            ]
        );
    }

    #[test]
    fn w5_class_i_needs_the_exam_on_the_same_platform() {
        let full_mobile: Vec<LearningRecord> =
            ["k1", "k2", "k3"].iter().map(|k| rec(Mobile, "e1", k, Live, 30, false)).collect();
        let o = run(Some(CreditClass::ClassI), &full_mobile, &[]);
        assert!(o.credits.is_empty());
        assert_eq!(o.incomplete[0].reasons, vec![RemoteReason::ExamNotPassed]);
        // The exam passed on the PC platform does not count for mobile learning.
        let o = run(Some(CreditClass::ClassI), &full_mobile, &[exam(Pc, "e1")]);
        assert!(o.credits.is_empty());
        let o = run(Some(CreditClass::ClassI), &full_mobile, &[exam(Mobile, "e1")]);
        assert_eq!(o.credits.len(), 1);
    }

    #[test]
    fn w5_platforms_never_combine_and_both_complete_earns_once() {
        // x1: k1, k2 on mobile, k3 on PC: complete only if combined → nothing.
        let records = vec![
            rec(Mobile, "x1", "k1", Live, 30, false),
            rec(Mobile, "x1", "k2", Live, 30, false),
            rec(Pc, "x1", "k3", Live, 60, true),
        ];
        let o = run(Some(CreditClass::ClassII), &records, &[]);
        assert!(o.credits.is_empty());
        assert!(
            o.incomplete
                .iter()
                .any(|i| i.platform.is_none() && i.reasons == vec![RemoteReason::PlatformsNotCombined])
        );
        // x2 complete on both: one credit, from mobile.
        let mut both: Vec<LearningRecord> = Vec::new();
        for k in ["k1", "k2", "k3"] {
            both.push(rec(Mobile, "x2", k, Live, 30, false));
            both.push(rec(Pc, "x2", k, Live, 30, true));
        }
        let o = run(Some(CreditClass::ClassII), &both, &[]);
        assert_eq!(o.credits.len(), 1);
        assert_eq!(o.credits[0].platform.as_deref(), Some("华西云课堂"));
        // Importing the same file twice gives the same record id.
        assert_eq!(o, run(Some(CreditClass::ClassII), &both, &[]));
    }
}
