//! A project hosted on this desk as a remote-learning project (远程教育, W5, seed 000): the
//! platform's learning records of a spreadsheet are judged against its courses, its credits and
//! the class its credit level has in the rule set of its CME year. `preview_remote` decides
//! without writing (the import wizard's dry run); `store::import_remote` records that same
//! decision.

use chrono::NaiveDate;

use super::Centi;
use super::store::rule_set_for_date;
use crate::error::{CoreError, Result};
use crate::remote_learning::{
    self, ExamRecord, LearningRecord, RemoteCourse, RemoteOutcome, RemotePolicy, RemoteProject, RemoteReason,
};
use crate::rules::RuleBook;
use crate::{Actor, Desk, Permission, projects};

fn centi(x: f64, field: &'static str, label_zh: &'static str) -> Result<Centi> {
    // Stored REAL amounts are rounded to hundredths (a REAL like 2.675 is not exact).
    Centi::from_decimal(x).filter(|c| c.is_positive()).ok_or(CoreError::Required { field, label_zh })
}

/// The stored project `reference` (id or code) as a remote project, with the completion policy
/// it asks for: its own 需考试 flag makes the exam required whatever its class.
pub fn remote_project(
    desk: &Desk,
    book: &RuleBook,
    reference: &str,
) -> Result<(RemoteProject, RemotePolicy)> {
    let p = projects::resolve(desk, reference)?;
    let detail = projects::detail(desk, &p.id)?;
    // The credit's date: the last day held, else the planned end.
    let activity_date: NaiveDate = detail
        .holding_periods
        .iter()
        .map(|h| h.ends_on)
        .max()
        .or(p.details.planned_end)
        .ok_or(CoreError::Required { field: "holding_periods", label_zh: "举办周期" })?;
    if detail.courses.is_empty() {
        return Err(CoreError::Required {
            field: "courses", label_zh: "课程（远程项目的每门课程都须学完）"
        });
    }
    let rs = rule_set_for_date(desk, book, activity_date)?;
    let class = rs.project_rate(p.credit_level.as_str())?.class;
    let issuer: Option<String> = desk
        .conn()
        .query_row("SELECT value FROM desk_meta WHERE key = 'hospital_name'", [], |r| r.get(0))
        .ok();
    let project = RemoteProject {
        id: p.id.clone(),
        code: p.code.clone(),
        name: p.name.clone(),
        class,
        credit_level: p.credit_level.as_str().to_string(),
        credits: centi(p.credits, "credits", "学分")?,
        hours: centi(p.total_hours, "total_hours", "学时")?,
        activity_date,
        issuer: issuer.unwrap_or_else(|| "本院".to_string()),
        courses: detail
            .courses
            .iter()
            .map(|c| RemoteCourse { id: c.id.clone(), title: c.title.clone() })
            .collect(),
    };
    let policy = RemotePolicy { exam_always: p.details.exam_required, ..RemotePolicy::default() };
    Ok((project, policy))
}

/// What [`super::store::import_remote`] would decide, writing nothing. Needs the permission to
/// grant: the outcome tells who learned what.
pub fn preview_remote(
    desk: &Desk,
    actor: &Actor,
    book: &RuleBook,
    project: &RemoteProject,
    records: &[LearningRecord],
    exams: &[ExamRecord],
    policy: &RemotePolicy,
) -> Result<RemoteOutcome> {
    actor.require(Permission::GrantCredits)?;
    let rs = rule_set_for_date(desk, book, project.activity_date)?;
    Ok(remote_learning::evaluate(project, records, exams, policy, rs)?)
}

/// Why a person earned nothing, in the words the officer reads.
pub fn reason_zh(reason: &RemoteReason) -> String {
    match reason {
        RemoteReason::CourseMinutesShort { course, minutes, required } => {
            format!("课程「{course}」累计学习{minutes}分钟，不足{required}分钟")
        }
        RemoteReason::CourseNotSignedInAndOut { course, on_demand_only: true } => {
            format!("课程「{course}」只有点播记录，区域协同平台只认直播签到签退")
        }
        RemoteReason::CourseNotSignedInAndOut { course, on_demand_only: false } => {
            format!("课程「{course}」没有同时签到和签退的直播记录")
        }
        RemoteReason::ExamNotPassed => "考试未通过（须在同一平台通过）".to_string(),
        RemoteReason::PlatformsNotCombined => "两个平台合起来才学完，平台数据不能合并".to_string(),
    }
}
