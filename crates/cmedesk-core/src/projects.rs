//! Hosted projects (举办的继教项目): created by selecting an approved entry, completed with the
//! fields the platform requires (seed 004), with their courses, holding periods (举办周期: the
//! days the project is actually held; swipes outside are invalid) and attendance windows
//! (有效考勤时间段), and moved through their states.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::{
    actor::{Actor, Permission},
    approved_projects::{self, CreditLevel, amount_in_range},
    error::{CoreError, Result},
    sql::{self, text_enum},
    staff,
    store::{Change, Desk},
};

const ENTITY: &str = "project";

text_enum! {
    /// Where a hosted project stands.
    pub enum ProjectState {
        Draft = ("draft", "草稿"),
        Submitted = ("submitted", "已上报"),
        Approved = ("approved", "审核通过"),
        Rejected = ("rejected", "退回"),
        Held = ("held", "已举办"),
        CreditsGranted = ("credits_granted", "已授分"),
        Closed = ("closed", "已结项"),
    }
}

text_enum! {
    /// What can be done to a project's state.
    pub enum ProjectAction {
        Submit = ("submit", "上报"),
        Approve = ("approve", "审核通过"),
        Reject = ("reject", "退回"),
        Revise = ("revise", "退回修改"),
        MarkHeld = ("mark_held", "标记为已举办"),
        GrantCredits = ("grant_credits", "标记为已授分"),
        Close = ("close", "结项"),
    }
}

impl ProjectState {
    /// The state `action` leads to from here, if it is allowed at all.
    pub fn after(self, action: ProjectAction) -> Option<ProjectState> {
        use ProjectAction as A;
        use ProjectState as S;
        Some(match (self, action) {
            (S::Draft, A::Submit) => S::Submitted,
            (S::Submitted, A::Approve) => S::Approved,
            (S::Submitted, A::Reject) => S::Rejected,
            (S::Rejected, A::Revise) => S::Draft,
            (S::Approved, A::MarkHeld) => S::Held,
            (S::Held, A::GrantCredits) => S::CreditsGranted,
            (S::CreditsGranted, A::Close) => S::Closed,
            _ => return None,
        })
    }

    pub fn actions(self) -> Vec<ProjectAction> {
        ProjectAction::ALL
            .iter()
            .copied()
            .filter(|a| self.after(*a).is_some())
            .collect()
    }

    fn editable(self) -> bool {
        matches!(self, ProjectState::Draft | ProjectState::Rejected)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Project {
    pub id: String,
    pub approved_project_id: String,
    pub year: i32,
    pub code: String,
    pub name: String,
    pub credit_level: CreditLevel,
    pub credits: f64,
    pub total_hours: f64,
    #[serde(flatten)]
    #[ts(flatten)]
    pub details: ProjectDetails,
    pub state: ProjectState,
    /// Why the project was last rejected.
    pub state_reason: Option<String>,
}

/// The fields the unit fills in after selecting the approved entry (seed 004 step 8).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct ProjectDetails {
    /// 举办方式: 继续医学教育项目 / 培训班 / 学术会议 / 远程教育 ...
    pub delivery: Option<String>,
    pub venue: Option<String>,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    /// 讲授理论学时数.
    pub lecture_hours: Option<f64>,
    /// 实验（技术示范）时数.
    pub practical_hours: Option<f64>,
    /// Ⅱ级学科.
    pub discipline2: Option<String>,
    /// Ⅲ级学科.
    pub discipline3: Option<String>,
    /// 项目负责人.
    pub lead: Option<String>,
    /// 项目经办人.
    pub handler: Option<String>,
    pub handler_phone: Option<String>,
    /// 是否在举办地备案.
    pub filed_at_venue: bool,
    /// 是否考核.
    pub exam_required: bool,
    /// 会议费用 (元).
    pub fee: Option<f64>,
    pub other_code: Option<String>,
    pub note: Option<String>,
}

/// Required before a project can be submitted, as (field, label).
const REQUIRED_DETAILS: &[(&str, &str)] = &[
    ("delivery", "举办方式"),
    ("venue", "举办地点"),
    ("discipline2", "Ⅱ级学科"),
    ("discipline3", "Ⅲ级学科"),
    ("lead", "项目负责人"),
    ("handler", "项目经办人"),
    ("handler_phone", "项目经办人联系电话"),
    ("fee", "会议费用"),
];

impl ProjectDetails {
    fn missing(&self) -> Vec<(&'static str, &'static str)> {
        REQUIRED_DETAILS
            .iter()
            .copied()
            .filter(|(field, _)| match *field {
                "delivery" => self.delivery.is_none(),
                "venue" => self.venue.is_none(),
                "discipline2" => self.discipline2.is_none(),
                "discipline3" => self.discipline3.is_none(),
                "lead" => self.lead.is_none(),
                "handler" => self.handler.is_none(),
                "handler_phone" => self.handler_phone.is_none(),
                "fee" => self.fee.is_none(),
                _ => false,
            })
            .collect()
    }

    fn cleaned(self, total_hours: f64) -> Result<ProjectDetails> {
        let d = ProjectDetails {
            delivery: sql::clean(self.delivery.as_deref()),
            venue: sql::clean(self.venue.as_deref()),
            discipline2: sql::clean(self.discipline2.as_deref()),
            discipline3: sql::clean(self.discipline3.as_deref()),
            lead: sql::clean(self.lead.as_deref()),
            handler: sql::clean(self.handler.as_deref()),
            handler_phone: sql::clean(self.handler_phone.as_deref()),
            other_code: sql::clean(self.other_code.as_deref()),
            note: sql::clean(self.note.as_deref()),
            ..self
        };
        if let Some(note) = &d.note {
            sql::max_chars(note, 180, "note", "备注")?;
        }
        if let (Some(s), Some(e)) = (d.planned_start, d.planned_end)
            && s > e
        {
            return Err(CoreError::invalid(
                "planned_end",
                "DATE_ORDER",
                "拟举办截止日期早于起始日期",
                "planned end before start",
            ));
        }
        for (v, field, label) in [
            (d.lecture_hours, "lecture_hours", "讲授理论学时数"),
            (d.practical_hours, "practical_hours", "实验（技术示范）时数"),
        ] {
            if let Some(v) = v
                && (!v.is_finite() || v < 0.0 || v > total_hours)
            {
                return Err(CoreError::invalid(
                    field,
                    "HOURS_RANGE",
                    format!("{label}应在0到总学时（{total_hours}）之间"),
                    format!("{field} must be between 0 and total hours {total_hours}"),
                ));
            }
        }
        if let Some(fee) = d.fee
            && (!fee.is_finite() || fee < 0.0)
        {
            return Err(CoreError::invalid(
                "fee",
                "FEE_RANGE",
                "会议费用不能为负数",
                "fee cannot be negative",
            ));
        }
        Ok(d)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Course {
    pub id: String,
    pub project_id: String,
    pub title: String,
    pub hours: f64,
    /// Set when the speaker is one of our staff (they can be granted speaker credits).
    pub speaker_staff_id: Option<String>,
    pub speaker_name: String,
    pub speaker_unit: Option<String>,
    #[ts(type = "number")]
    pub sort: i64,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct NewCourse {
    pub title: String,
    pub hours: f64,
    /// A staff id, ID number or card key of an in-house speaker.
    pub speaker_staff: Option<String>,
    /// The speaker's name when they are not on our roster.
    pub speaker_name: Option<String>,
    pub speaker_unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct HoldingPeriod {
    pub id: String,
    pub project_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AttendanceWindow {
    pub id: String,
    pub project_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub label: Option<String>,
}

/// A project with everything under it, and what can be done next.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ProjectDetail {
    pub project: Project,
    pub courses: Vec<Course>,
    pub holding_periods: Vec<HoldingPeriod>,
    pub attendance_windows: Vec<AttendanceWindow>,
    pub actions: Vec<ProjectAction>,
    /// What still blocks submission, as (field, label).
    pub missing_for_submit: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct ProjectFilter {
    pub year: Option<i32>,
    pub state: Option<ProjectState>,
    pub query: Option<String>,
}

/// Creates a hosted project by selecting an approved entry (by id or code).
pub fn create(
    desk: &mut Desk,
    actor: &Actor,
    approved: &str,
    details: ProjectDetails,
) -> Result<Project> {
    actor.require(Permission::EditProjects)?;
    let entry = approved_projects::resolve(desk, approved)?;
    if let Some(hosted) = entry.hosted_project_id {
        return Err(CoreError::Duplicate {
            entity: ENTITY,
            entity_zh: "该项目的举办记录",
            field: "approved_project_id",
            key: hosted,
        });
    }
    let a = entry.approved;
    let mut details = details.cleaned(a.total_hours)?;
    details.planned_start = details.planned_start.or(a.planned_start);
    details.planned_end = details.planned_end.or(a.planned_end);
    details.venue = details.venue.or(a.venue.clone());
    details.lead = details.lead.or(a.lead.clone());
    desk.change(actor, |c| {
        let p = Project {
            id: c.new_id(),
            approved_project_id: a.id.clone(),
            year: a.year,
            code: a.code.clone(),
            name: a.name.clone(),
            credit_level: a.credit_level,
            credits: a.credits,
            total_hours: a.total_hours,
            details,
            state: ProjectState::Draft,
            state_reason: None,
        };
        let now = c.actor().timestamp();
        c.tx().execute(
            "INSERT INTO projects(id, approved_project_id, year, code, name, credit_level, credits, total_hours, state, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            params![p.id, p.approved_project_id, p.year, p.code, p.name, p.credit_level, p.credits, p.total_hours, p.state, now],
        )?;
        write_details(c, &p)?;
        c.record("project.create", ENTITY, &p.id, None, Some(&p))?;
        Ok(p)
    })
}

fn write_details(c: &Change<'_>, p: &Project) -> Result<()> {
    let d = &p.details;
    c.tx().execute(
        "UPDATE projects SET delivery = ?2, venue = ?3, planned_start = ?4, planned_end = ?5, lecture_hours = ?6,
            practical_hours = ?7, discipline2 = ?8, discipline3 = ?9, lead = ?10, handler = ?11, handler_phone = ?12,
            filed_at_venue = ?13, exam_required = ?14, fee = ?15, other_code = ?16, note = ?17, state = ?18,
            state_reason = ?19, updated_at = ?20
         WHERE id = ?1",
        params![
            p.id,
            d.delivery,
            d.venue,
            d.planned_start.map(|x| x.to_string()),
            d.planned_end.map(|x| x.to_string()),
            d.lecture_hours,
            d.practical_hours,
            d.discipline2,
            d.discipline3,
            d.lead,
            d.handler,
            d.handler_phone,
            d.filed_at_venue,
            d.exam_required,
            d.fee,
            d.other_code,
            d.note,
            p.state,
            p.state_reason,
            c.actor().timestamp()
        ],
    )?;
    Ok(())
}

fn not_in_state(p: &Project, action: &'static str, action_zh: &'static str) -> CoreError {
    CoreError::InvalidTransition {
        entity: ENTITY,
        state: p.state.as_str(),
        state_zh: p.state.label_zh(),
        action,
        action_zh,
        missing: vec![],
    }
}

/// Replaces the fillable fields; only while the project is a draft or was sent back.
pub fn update(
    desk: &mut Desk,
    actor: &Actor,
    project_id: &str,
    details: ProjectDetails,
) -> Result<Project> {
    actor.require(Permission::EditProjects)?;
    let before = get(desk, project_id)?;
    if !before.state.editable() {
        return Err(not_in_state(&before, "edit", "修改项目信息"));
    }
    let after = Project {
        details: details.cleaned(before.total_hours)?,
        ..before.clone()
    };
    desk.change(actor, |c| {
        write_details(c, &after)?;
        c.record(
            "project.update",
            ENTITY,
            &after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

/// Moves the project to its next state. Submission requires the seed-004 fields, at least one
/// course and one holding period; a rejection requires a reason.
pub fn transition(
    desk: &mut Desk,
    actor: &Actor,
    project_id: &str,
    action: ProjectAction,
    reason: Option<&str>,
) -> Result<Project> {
    actor.require(match action {
        ProjectAction::Approve | ProjectAction::Reject => Permission::RecordProjectDecision,
        _ => Permission::EditProjects,
    })?;
    let before = get(desk, project_id)?;
    let Some(next) = before.state.after(action) else {
        return Err(not_in_state(&before, action.as_str(), action.label_zh()));
    };
    let reason = sql::clean(reason);
    if action == ProjectAction::Submit {
        let missing = missing_for_submit(desk, &before)?;
        if !missing.is_empty() {
            return Err(CoreError::InvalidTransition {
                entity: ENTITY,
                state: before.state.as_str(),
                state_zh: before.state.label_zh(),
                action: action.as_str(),
                action_zh: action.label_zh(),
                missing,
            });
        }
    }
    if action == ProjectAction::Reject && reason.is_none() {
        return Err(CoreError::Required {
            field: "reason",
            label_zh: "退回原因",
        });
    }
    if action == ProjectAction::MarkHeld {
        let first: Option<String> = desk.conn().query_row(
            "SELECT MIN(starts_on) FROM holding_periods WHERE project_id = ?1",
            [project_id],
            |r| r.get(0),
        )?;
        if first.is_none_or(|f| f > actor.today().to_string()) {
            return Err(CoreError::invalid(
                "state",
                "PROJECT_NOT_STARTED",
                "举办周期尚未开始，不能标记为已举办",
                "the first holding period has not started yet",
            ));
        }
    }
    let after = Project {
        state: next,
        state_reason: if action == ProjectAction::Reject {
            reason
        } else {
            None
        },
        ..before.clone()
    };
    desk.change(actor, |c| {
        write_details(c, &after)?;
        c.record(
            &format!("project.{}", action.as_str()),
            ENTITY,
            &after.id,
            Some(&before),
            Some(&after),
        )?;
        Ok(after)
    })
}

fn missing_for_submit(desk: &Desk, p: &Project) -> Result<Vec<(&'static str, &'static str)>> {
    let mut missing = p.details.missing();
    let count = |table: &str| -> Result<i64> {
        Ok(desk.conn().query_row(
            &format!("SELECT COUNT(*) FROM {table} WHERE project_id = ?1"),
            [&p.id],
            |r| r.get(0),
        )?)
    };
    if count("courses")? == 0 {
        missing.push(("courses", "课程"));
    }
    if count("holding_periods")? == 0 {
        missing.push(("holding_periods", "举办周期"));
    }
    Ok(missing)
}

pub fn add_course(
    desk: &mut Desk,
    actor: &Actor,
    project_id: &str,
    new: NewCourse,
) -> Result<Course> {
    actor.require(Permission::EditProjects)?;
    let project = get(desk, project_id)?;
    if !project.state.editable() {
        return Err(not_in_state(&project, "add_course", "添加课程"));
    }
    let title = sql::required(&new.title, "title", "讲授题目")?;
    sql::max_chars(&title, 300, "title", "讲授题目")?;
    amount_in_range(new.hours, "hours", "学时", 150.0)?;
    let used: f64 = desk.conn().query_row(
        "SELECT COALESCE(SUM(hours), 0) FROM courses WHERE project_id = ?1",
        [project_id],
        |r| r.get(0),
    )?;
    if used + new.hours > project.total_hours + 1e-9 {
        return Err(CoreError::invalid(
            "hours",
            "COURSE_HOURS_EXCEED",
            format!(
                "课程学时合计（{}）将超过项目总学时（{}）",
                used + new.hours,
                project.total_hours
            ),
            format!(
                "course hours {} would exceed the project's total {}",
                used + new.hours,
                project.total_hours
            ),
        ));
    }
    let (speaker_staff_id, speaker_name, speaker_unit) =
        match sql::clean(new.speaker_staff.as_deref()) {
            Some(reference) => {
                let s = staff::resolve(desk, &reference).map_err(|_| CoreError::NotFound {
                    entity: "staff",
                    entity_zh: "主讲人（本院人员）",
                    key: reference.clone(),
                })?;
                (
                    Some(s.staff.id),
                    s.staff.name,
                    sql::clean(new.speaker_unit.as_deref()).or(Some(s.department_name)),
                )
            }
            None => {
                let name = sql::required(
                    new.speaker_name.as_deref().unwrap_or(""),
                    "speaker_name",
                    "教师姓名",
                )?;
                (None, name, sql::clean(new.speaker_unit.as_deref()))
            }
        };
    desk.change(actor, |c| {
        let sort: i64 = c.tx().query_row("SELECT COUNT(*) + 1 FROM courses WHERE project_id = ?1", [project_id], |r| r.get(0))?;
        let course = Course { id: c.new_id(), project_id: project_id.to_string(), title, hours: new.hours, speaker_staff_id, speaker_name, speaker_unit, sort };
        c.tx().execute(
            "INSERT INTO courses(id, project_id, title, hours, speaker_staff_id, speaker_name, speaker_unit, sort)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![course.id, course.project_id, course.title, course.hours, course.speaker_staff_id, course.speaker_name, course.speaker_unit, course.sort],
        )?;
        c.record("project.course.add", "course", &course.id, None, Some(&course))?;
        Ok(course)
    })
}

/// Adds a holding period (举办周期); periods of one project never overlap and stay in its year.
pub fn add_holding_period(
    desk: &mut Desk,
    actor: &Actor,
    project_id: &str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> Result<HoldingPeriod> {
    actor.require(Permission::EditProjects)?;
    let project = get(desk, project_id)?;
    if !matches!(
        project.state,
        ProjectState::Draft | ProjectState::Rejected | ProjectState::Approved
    ) {
        return Err(not_in_state(&project, "add_holding_period", "添加举办周期"));
    }
    if starts_on > ends_on {
        return Err(CoreError::invalid(
            "ends_on",
            "DATE_ORDER",
            "举办周期的截止日期早于开始日期",
            "period ends before it starts",
        ));
    }
    use chrono::Datelike;
    if starts_on.year() != project.year && ends_on.year() != project.year {
        return Err(CoreError::invalid(
            "starts_on",
            "PERIOD_OUTSIDE_YEAR",
            format!("举办周期应在项目年度 {} 内", project.year),
            format!(
                "the period must fall in the project's year {}",
                project.year
            ),
        ));
    }
    let overlapping: Option<String> = desk
        .conn()
        .query_row(
            "SELECT starts_on || ' 至 ' || ends_on FROM holding_periods WHERE project_id = ?1 AND starts_on <= ?3 AND ends_on >= ?2",
            params![project_id, starts_on.to_string(), ends_on.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = overlapping {
        return Err(CoreError::invalid(
            "starts_on",
            "PERIOD_OVERLAP",
            format!("与已有举办周期 {other} 重叠"),
            format!("overlaps the existing period {other}"),
        ));
    }
    desk.change(actor, |c| {
        let period = HoldingPeriod { id: c.new_id(), project_id: project_id.to_string(), starts_on, ends_on };
        c.tx().execute(
            "INSERT INTO holding_periods(id, project_id, starts_on, ends_on) VALUES (?1, ?2, ?3, ?4)",
            params![period.id, period.project_id, starts_on.to_string(), ends_on.to_string()],
        )?;
        c.record("project.period.add", "holding_period", &period.id, None, Some(&period))?;
        Ok(period)
    })
}

/// Adds an attendance window (有效考勤时间段): inside one holding period, not overlapping others.
pub fn add_attendance_window(
    desk: &mut Desk,
    actor: &Actor,
    project_id: &str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    label: Option<&str>,
) -> Result<AttendanceWindow> {
    actor.require(Permission::EditProjects)?;
    let project = get(desk, project_id)?;
    if matches!(
        project.state,
        ProjectState::CreditsGranted | ProjectState::Closed | ProjectState::Submitted
    ) {
        return Err(not_in_state(
            &project,
            "add_attendance_window",
            "设置考勤时间段",
        ));
    }
    if starts_at >= ends_at {
        return Err(CoreError::invalid(
            "ends_at",
            "TIME_ORDER",
            "考勤时间段的结束时间应晚于开始时间",
            "window must end after it starts",
        ));
    }
    let inside: Option<String> = desk
        .conn()
        .query_row(
            "SELECT id FROM holding_periods WHERE project_id = ?1 AND starts_on <= ?2 AND ends_on >= ?3",
            params![project_id, starts_at.date().to_string(), ends_at.date().to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if inside.is_none() {
        return Err(CoreError::invalid(
            "starts_at",
            "WINDOW_OUTSIDE_PERIOD",
            "考勤时间段必须落在某个举办周期之内",
            "the window must lie inside one holding period",
        ));
    }
    let fmt = |t: NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let overlapping: Option<String> = desk
        .conn()
        .query_row(
            "SELECT starts_at FROM attendance_windows WHERE project_id = ?1 AND starts_at < ?3 AND ends_at > ?2",
            params![project_id, fmt(starts_at), fmt(ends_at)],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(other) = overlapping {
        return Err(CoreError::invalid(
            "starts_at",
            "WINDOW_OVERLAP",
            format!("与已有考勤时间段（{other} 开始）重叠"),
            format!("overlaps the window starting {other}"),
        ));
    }
    let label = sql::clean(label);
    desk.change(actor, |c| {
        let w = AttendanceWindow { id: c.new_id(), project_id: project_id.to_string(), starts_at, ends_at, label };
        c.tx().execute(
            "INSERT INTO attendance_windows(id, project_id, starts_at, ends_at, label) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![w.id, w.project_id, fmt(starts_at), fmt(ends_at), w.label],
        )?;
        c.record("project.window.add", "attendance_window", &w.id, None, Some(&w))?;
        Ok(w)
    })
}

const SELECT: &str = "SELECT id, approved_project_id, year, code, name, credit_level, credits, total_hours, delivery,
    venue, planned_start, planned_end, lecture_hours, practical_hours, discipline2, discipline3, lead, handler,
    handler_phone, filed_at_venue, exam_required, fee, other_code, note, state, state_reason FROM projects";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    let date = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
        Ok(r.get::<_, Option<String>>(i)?.and_then(|s| s.parse().ok()))
    };
    Ok(Project {
        id: r.get(0)?,
        approved_project_id: r.get(1)?,
        year: r.get(2)?,
        code: r.get(3)?,
        name: r.get(4)?,
        credit_level: r.get(5)?,
        credits: r.get(6)?,
        total_hours: r.get(7)?,
        details: ProjectDetails {
            delivery: r.get(8)?,
            venue: r.get(9)?,
            planned_start: date(10)?,
            planned_end: date(11)?,
            lecture_hours: r.get(12)?,
            practical_hours: r.get(13)?,
            discipline2: r.get(14)?,
            discipline3: r.get(15)?,
            lead: r.get(16)?,
            handler: r.get(17)?,
            handler_phone: r.get(18)?,
            filed_at_venue: r.get(19)?,
            exam_required: r.get(20)?,
            fee: r.get(21)?,
            other_code: r.get(22)?,
            note: r.get(23)?,
        },
        state: r.get(24)?,
        state_reason: r.get(25)?,
    })
}

pub fn get(desk: &Desk, project_id: &str) -> Result<Project> {
    desk.conn()
        .query_row(&format!("{SELECT} WHERE id = ?1"), [project_id], row)
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: ENTITY,
            entity_zh: "项目",
            key: project_id.to_string(),
        })
}

/// By id or by project code.
pub fn resolve(desk: &Desk, reference: &str) -> Result<Project> {
    let code = approved_projects::normalize_code(reference);
    desk.conn()
        .query_row(
            &format!("{SELECT} WHERE id = ?1 OR code = ?2"),
            params![reference.trim(), code],
            row,
        )
        .optional()?
        .ok_or_else(|| CoreError::NotFound {
            entity: ENTITY,
            entity_zh: "项目",
            key: reference.to_string(),
        })
}

pub fn list(desk: &Desk, filter: &ProjectFilter) -> Result<Vec<Project>> {
    let sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR year = ?1) AND (?2 IS NULL OR state = ?2)
           AND (?3 IS NULL OR code LIKE '%' || ?3 || '%' OR name LIKE '%' || ?3 || '%')
         ORDER BY year DESC, planned_start DESC, code"
    );
    Ok(desk
        .conn()
        .prepare(&sql)?
        .query_map(
            params![
                filter.year,
                filter.state,
                sql::clean(filter.query.as_deref())
            ],
            row,
        )?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn detail(desk: &Desk, project_id: &str) -> Result<ProjectDetail> {
    let project = get(desk, project_id)?;
    let conn = desk.conn();
    let courses = conn
        .prepare("SELECT id, project_id, title, hours, speaker_staff_id, speaker_name, speaker_unit, sort FROM courses WHERE project_id = ?1 ORDER BY sort")?
        .query_map([project_id], |r| {
            Ok(Course {
                id: r.get(0)?,
                project_id: r.get(1)?,
                title: r.get(2)?,
                hours: r.get(3)?,
                speaker_staff_id: r.get(4)?,
                speaker_name: r.get(5)?,
                speaker_unit: r.get(6)?,
                sort: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let holding_periods = holding_periods(desk, project_id)?;
    let attendance_windows = attendance_windows(desk, project_id)?;
    let missing_for_submit = missing_for_submit(desk, &project)?
        .into_iter()
        .map(|(f, l)| (f.to_string(), l.to_string()))
        .collect();
    Ok(ProjectDetail {
        actions: project.state.actions(),
        project,
        courses,
        holding_periods,
        attendance_windows,
        missing_for_submit,
    })
}

pub fn holding_periods(desk: &Desk, project_id: &str) -> Result<Vec<HoldingPeriod>> {
    let parse = |s: String| {
        s.parse::<NaiveDate>()
            .map_err(|e| CoreError::Corrupt(e.to_string()))
    };
    let raw: Vec<(String, String, String, String)> = desk
        .conn()
        .prepare("SELECT id, project_id, starts_on, ends_on FROM holding_periods WHERE project_id = ?1 ORDER BY starts_on")?
        .query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    raw.into_iter()
        .map(|(id, project_id, s, e)| {
            Ok(HoldingPeriod {
                id,
                project_id,
                starts_on: parse(s)?,
                ends_on: parse(e)?,
            })
        })
        .collect()
}

pub fn attendance_windows(desk: &Desk, project_id: &str) -> Result<Vec<AttendanceWindow>> {
    let parse = |s: String| {
        s.parse::<NaiveDateTime>()
            .map_err(|e| CoreError::Corrupt(e.to_string()))
    };
    let raw: Vec<(String, String, String, String, Option<String>)> = desk
        .conn()
        .prepare("SELECT id, project_id, starts_at, ends_at, label FROM attendance_windows WHERE project_id = ?1 ORDER BY starts_at")?
        .query_map([project_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<rusqlite::Result<_>>()?;
    raw.into_iter()
        .map(|(id, project_id, s, e, label)| {
            Ok(AttendanceWindow {
                id,
                project_id,
                starts_at: parse(s)?,
                ends_at: parse(e)?,
                label,
            })
        })
        .collect()
}
