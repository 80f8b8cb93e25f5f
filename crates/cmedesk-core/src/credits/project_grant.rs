//! Attendance analysis and granting for a project stored in the desk (考勤分析 → 授分): loads the
//! project's holding periods, attendance windows, courses and swipes, runs the pure
//! `attendance::analyze` and `grant::*` functions under the rule set of the project's CME year,
//! and records the credits through [`super::store::record_credits`] (idempotent, audited).
//!
//! Times in the store are hospital-local (`NaiveDateTime`); they are given one fixed offset
//! (+08:00, China Standard Time, no daylight saving) so that comparisons and local dates are
//! exactly those of the stored values.
//!
//! The data model links no attendance window to a course. Course-based strategies therefore
//! pair course N with window N when the counts match (both in their stored order); otherwise a
//! course counts as attended only with valid attendance (a swipe in every window), never with
//! less.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::store::{self, SaveReport};
use super::{Centi, Subject};
use crate::attendance::{
    self, AnalysisInput, AttendanceAnalysis, AttendanceWindow, HoldingPeriod, OtherProject, SwipeInput,
    SwipeStatus, Swiper,
};
use crate::error::{CoreError, Result};
use crate::grant::{self, CourseInput, Exclusion, GrantInput, GrantOutcome, GrantStrategy, ProjectInput};
use crate::rules::RuleBook;
use crate::swipes::{self, SwipeFilter};
use crate::{Actor, Desk, projects};

/// Swipes closer than this to the previous counted one are the same swipe (seconds).
pub const REPEAT_GAP_SECONDS: i64 = 60;

fn local(t: NaiveDateTime) -> Result<DateTime<FixedOffset>> {
    let cst = FixedOffset::east_opt(8 * 3600).ok_or_else(|| CoreError::Corrupt("offset".into()))?;
    t.and_local_timezone(cst)
        .single()
        .ok_or_else(|| CoreError::Corrupt(format!("local time {t} is ambiguous")))
}

fn centi(x: f64, field: &'static str) -> Result<Centi> {
    // Stored REAL amounts: round to hundredths (a REAL like 2.675 is not exact).
    if !x.is_finite() || x < 0.0 {
        return Err(CoreError::Corrupt(format!("{field} is {x}")));
    }
    Ok(Centi((x * 100.0).round() as i64))
}

/// A stored project's analysis with the project as granting sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectAnalysis {
    /// Rule set of the project's CME year.
    pub rule_set: String,
    /// The project for granting.
    pub project: ProjectInput,
    /// The attendance analysis.
    pub analysis: AttendanceAnalysis,
}

/// Analyses a stored project's attendance.
pub fn analyze_project(desk: &Desk, book: &RuleBook, project_id: &str) -> Result<ProjectAnalysis> {
    let detail = projects::detail(desk, project_id)?;
    let p = &detail.project;
    let periods: Vec<HoldingPeriod> = detail
        .holding_periods
        .iter()
        .map(|h| HoldingPeriod { starts_on: h.starts_on, ends_on: h.ends_on })
        .collect();
    let last_day = periods
        .iter()
        .map(|h| h.ends_on)
        .max()
        .ok_or(CoreError::Required { field: "holding_periods", label_zh: "举办周期" })?;
    let first_day = periods.iter().map(|h| h.starts_on).min().unwrap_or(last_day);
    let windows: Vec<AttendanceWindow> = detail
        .attendance_windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            Ok(AttendanceWindow {
                label: w.label.clone().unwrap_or_else(|| format!("刷卡周期{}", i + 1)),
                starts_at: local(w.starts_at)?,
                ends_at: local(w.ends_at)?,
            })
        })
        .collect::<Result<_>>()?;
    let swipes: Vec<SwipeInput> = swipes::list(
        desk,
        &SwipeFilter { project_id: Some(project_id.to_string()), ..SwipeFilter::default() },
    )?
    .into_iter()
    .map(|s| {
        Ok(SwipeInput {
            swiper: match s.staff_id {
                Some(id) => Swiper::Staff(id),
                None => Swiper::UnknownCard(s.card_key),
            },
            at: local(s.swiped_at)?,
            status: match s.status {
                swipes::SwipeStatus::Duplicate => SwipeStatus::Duplicate,
                _ => SwipeStatus::Recorded,
            },
            swipe_id: s.id,
        })
    })
    .collect::<Result<_>>()?;
    let others = other_projects(desk, project_id, first_day, last_day)?;
    let speakers: Vec<String> = detail.courses.iter().filter_map(|c| c.speaker_staff_id.clone()).collect();
    let rs = store::rule_set_for_date(desk, book, last_day)?;
    let total_hours = centi(p.total_hours, "total_hours")?;
    let analysis = attendance::analyze(&AnalysisInput {
        periods: &periods,
        windows: &windows,
        swipes: &swipes,
        expected: &[],
        duration_minutes: Some(total_hours.hundredths() * 60 / 100),
        other_projects: &others,
        speakers: &speakers,
        checks: &rs.attendance_checks,
        repeat_gap_seconds: REPEAT_GAP_SECONDS,
    })?;
    let pair = detail.courses.len() == windows.len();
    let courses = detail
        .courses
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(CourseInput {
                id: c.id.clone(),
                title: c.title.clone(),
                hours: centi(c.hours, "hours")?,
                windows: if pair { vec![i] } else { (0..windows.len()).collect() },
                speaker_staff_id: c.speaker_staff_id.clone(),
            })
        })
        .collect::<Result<_>>()?;
    let issuer: Option<String> = desk
        .conn()
        .query_row("SELECT value FROM desk_meta WHERE key = 'hospital_name'", [], |r| r.get(0))
        .ok();
    Ok(ProjectAnalysis {
        rule_set: rs.id.clone(),
        project: ProjectInput {
            id: p.id.clone(),
            code: p.code.clone(),
            name: p.name.clone(),
            credit_level: p.credit_level.as_str().to_string(),
            total_hours,
            declared_credits: Some(centi(p.credits, "credits")?).filter(|c| c.is_positive()),
            last_day,
            issuer: issuer.unwrap_or_else(|| "本院".to_string()),
            subject: Subject::Professional,
            courses,
        },
        analysis,
    })
}

/// Each person's presence in other projects on the same days (for the overlap check).
fn other_projects(
    desk: &Desk,
    project_id: &str,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<OtherProject>> {
    let mut stmt = desk.conn().prepare(
        "SELECT s.staff_id, p.code, MIN(s.swiped_at), MAX(s.swiped_at)
         FROM swipes s JOIN projects p ON p.id = s.project_id
         WHERE s.project_id IS NOT NULL AND s.project_id <> ?1 AND s.staff_id IS NOT NULL
           AND s.status = 'accepted' AND s.swiped_at >= ?2 AND s.swiped_at < ?3
         GROUP BY s.staff_id, p.code, substr(s.swiped_at, 1, 10)",
    )?;
    let end = last.succ_opt().unwrap_or(last);
    let rows: Vec<(String, String, String, String)> = stmt
        .query_map(params![project_id, first.to_string(), end.to_string()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    rows.into_iter()
        .map(|(staff_id, project_code, a, b)| {
            let parse = |s: &str| {
                NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                    .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f"))
                    .map_err(|e| CoreError::Corrupt(format!("swiped_at {s}: {e}")))
            };
            Ok(OtherProject {
                staff_id,
                project_code,
                starts_at: local(parse(&a)?)?,
                ends_at: local(parse(&b)?)?,
            })
        })
        .collect()
}

/// What to grant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct GrantRequest {
    /// Strategy.
    pub strategy: GrantStrategy,
    /// Unticked people, with reasons.
    pub exclusions: Vec<Exclusion>,
    /// Activity date, when not the last day.
    pub activity_date: Option<NaiveDate>,
    /// Staff who evaluated the project.
    pub evaluated: Vec<String>,
    /// Staff who passed the exam.
    pub exam_passed: Vec<String>,
    /// Also grant the speakers.
    pub speakers: bool,
}

/// What a grant decided and stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectGrant {
    /// Participants.
    pub participants: GrantOutcome,
    /// Speakers (empty unless asked).
    pub speakers: GrantOutcome,
    /// What was written.
    pub saved: SaveReport,
}

/// What a grant would decide, before anything is written (授分预览).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct GrantPreview {
    /// Participants.
    pub participants: GrantOutcome,
    /// Speakers (empty unless asked).
    pub speakers: GrantOutcome,
}

/// Decides a stored project's credits without recording them: the officer sees exactly what
/// [`grant_project`] will write (both run this same decision).
pub fn preview_grant(
    desk: &Desk,
    book: &RuleBook,
    project_id: &str,
    request: &GrantRequest,
) -> Result<GrantPreview> {
    let pa = analyze_project(desk, book, project_id)?;
    let rs = book.get(&pa.rule_set)?;
    let participants = grant::grant_participants(&GrantInput {
        project: &pa.project,
        analysis: &pa.analysis,
        strategy: &request.strategy,
        exclusions: &request.exclusions,
        activity_date: request.activity_date,
        evaluated: &request.evaluated,
        exam_passed: &request.exam_passed,
        rule_set: rs,
    })?;
    let speakers = if request.speakers {
        grant::grant_speakers(&pa.project, rs, request.activity_date, &request.exclusions)?
    } else {
        GrantOutcome::default()
    };
    Ok(GrantPreview { participants, speakers })
}

/// Analyses, grants and records a stored project's credits. Running it twice writes nothing new.
pub fn grant_project(
    desk: &mut Desk,
    actor: &Actor,
    book: &RuleBook,
    project_id: &str,
    request: &GrantRequest,
) -> Result<ProjectGrant> {
    let GrantPreview { participants, speakers } = preview_grant(desk, book, project_id, request)?;
    let mut all = participants.credits.clone();
    all.extend(speakers.credits.iter().cloned());
    let saved = store::record_credits(desk, actor, book, &all)?;
    Ok(ProjectGrant { participants, speakers, saved })
}
