//! `approved` and `project`: the approved list, and hosted projects with their courses,
//! holding periods, attendance windows and states.

use anyhow::Result;
use clap::{Args, Subcommand};
use cmedesk_core::{
    approved_projects::{self, ApprovedFilter, CreditLevel, NewApprovedProject},
    projects::{self, NewCourse, ProjectAction, ProjectDetails, ProjectFilter, ProjectState},
};
use serde_json::json;

use crate::{
    context::{Context, Reply, parse_date, parse_datetime, to_json},
    table,
};

fn level(s: &str) -> Result<CreditLevel, String> {
    CreditLevel::parse(s).ok_or_else(|| format!("学分级别「{s}」应为 国家级/省级/市级/院级"))
}
fn state(s: &str) -> Result<ProjectState, String> {
    ProjectState::parse(s).ok_or_else(|| format!("项目状态「{s}」不存在"))
}
fn yes_no(s: &str) -> Result<bool, String> {
    match s {
        "是" | "yes" | "true" | "1" => Ok(true),
        "否" | "no" | "false" | "0" => Ok(false),
        _ => Err(format!("「{s}」应为 是/否")),
    }
}

#[derive(Subcommand)]
pub enum ApprovedCommand {
    /// Add an entry to the approved list (normally imported or synced)
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        name: String,
        #[arg(long)]
        credits: f64,
        /// 总学时
        #[arg(long)]
        hours: f64,
        /// 国家级 / 省级 / 市级 / 院级 [default: from the code's (国)/(省)]
        #[arg(long, value_parser = level)]
        level: Option<CreditLevel>,
        #[arg(long)]
        discipline: Option<String>,
        #[arg(long)]
        organizer: Option<String>,
        #[arg(long)]
        lead: Option<String>,
        #[arg(long, value_parser = parse_date)]
        start: Option<chrono::NaiveDate>,
        #[arg(long, value_parser = parse_date)]
        end: Option<chrono::NaiveDate>,
        #[arg(long)]
        venue: Option<String>,
        #[arg(long)]
        enrolment: Option<i32>,
    },
    /// List the approved entries
    List {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        query: Option<String>,
        /// Only entries not hosted yet
        #[arg(long)]
        available: bool,
    },
}

pub fn run_approved(ctx: &mut Context, cmd: ApprovedCommand) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    match cmd {
        ApprovedCommand::Add {
            code,
            year,
            name,
            credits,
            hours,
            level,
            discipline,
            organizer,
            lead,
            start,
            end,
            venue,
            enrolment,
        } => {
            let a = approved_projects::add(
                desk,
                &actor,
                NewApprovedProject {
                    code,
                    year,
                    name,
                    credit_level: level,
                    discipline,
                    organizer,
                    lead,
                    planned_start: start,
                    planned_end: end,
                    venue,
                    credits,
                    total_hours: hours,
                    planned_enrolment: enrolment,
                    source: Some("manual".into()),
                },
            )?;
            Ok(Reply::new(to_json(&a), format!("已添加 {} {}", a.code, a.name)))
        }
        ApprovedCommand::List { year, query, available } => {
            let rows =
                approved_projects::list(desk, &ApprovedFilter { year, query, available_only: available })?;
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let a = &r.approved;
                    vec![
                        a.code.clone(),
                        a.name.clone(),
                        a.credit_level.label_zh().into(),
                        format!("{:.2}", a.credits),
                        format!("{:.1}", a.total_hours),
                        if r.hosted_project_id.is_some() { "已举办" } else { "" }.into(),
                    ]
                })
                .collect();
            let text = table::render(&["项目编号", "项目名称", "级别", "学分", "学时", ""], &cells);
            Ok(Reply::new(json!({ "approved_projects": to_json(&rows), "count": rows.len() }), text))
        }
    }
}

/// The fields of seed 004 step 8.
#[derive(Args)]
pub struct DetailsArgs {
    /// 举办方式, e.g. 继续医学教育项目 / 培训班 / 学术会议
    #[arg(long)]
    delivery: Option<String>,
    #[arg(long)]
    venue: Option<String>,
    #[arg(long, value_parser = parse_date)]
    start: Option<chrono::NaiveDate>,
    #[arg(long, value_parser = parse_date)]
    end: Option<chrono::NaiveDate>,
    #[arg(long = "lecture-hours")]
    lecture_hours: Option<f64>,
    #[arg(long = "practical-hours")]
    practical_hours: Option<f64>,
    /// Ⅱ级学科
    #[arg(long)]
    discipline2: Option<String>,
    /// Ⅲ级学科
    #[arg(long)]
    discipline3: Option<String>,
    /// 项目负责人
    #[arg(long)]
    lead: Option<String>,
    /// 项目经办人
    #[arg(long)]
    handler: Option<String>,
    #[arg(long = "handler-phone")]
    handler_phone: Option<String>,
    /// 是否在举办地备案 (是/否)
    #[arg(long = "filed-at-venue", value_parser = yes_no)]
    filed_at_venue: Option<bool>,
    /// 是否考核 (是/否)
    #[arg(long = "exam-required", value_parser = yes_no)]
    exam_required: Option<bool>,
    /// 会议费用 (元)
    #[arg(long)]
    fee: Option<f64>,
    #[arg(long)]
    note: Option<String>,
}

impl DetailsArgs {
    fn over(self, base: ProjectDetails) -> ProjectDetails {
        ProjectDetails {
            delivery: self.delivery.or(base.delivery),
            venue: self.venue.or(base.venue),
            planned_start: self.start.or(base.planned_start),
            planned_end: self.end.or(base.planned_end),
            lecture_hours: self.lecture_hours.or(base.lecture_hours),
            practical_hours: self.practical_hours.or(base.practical_hours),
            discipline2: self.discipline2.or(base.discipline2),
            discipline3: self.discipline3.or(base.discipline3),
            lead: self.lead.or(base.lead),
            handler: self.handler.or(base.handler),
            handler_phone: self.handler_phone.or(base.handler_phone),
            filed_at_venue: self.filed_at_venue.unwrap_or(base.filed_at_venue),
            exam_required: self.exam_required.unwrap_or(base.exam_required),
            fee: self.fee.or(base.fee),
            other_code: base.other_code,
            note: self.note.or(base.note),
        }
    }
}

#[derive(Subcommand)]
pub enum ProjectCommand {
    /// Create a hosted project by selecting an approved entry (never typed in)
    Create {
        /// The approved entry's code or id
        #[arg(long)]
        approved: String,
        #[command(flatten)]
        details: DetailsArgs,
    },
    /// Show a project with its courses, periods, windows and next actions
    Show { project: String },
    /// List hosted projects
    List {
        #[arg(long)]
        year: Option<i32>,
        #[arg(long, value_parser = state)]
        state: Option<ProjectState>,
    },
    /// Edit the fillable fields (draft or sent back only)
    Update {
        project: String,
        #[command(flatten)]
        details: DetailsArgs,
    },
    /// Courses (课程)
    #[command(subcommand)]
    Course(CourseCommand),
    /// Holding periods (举办周期)
    #[command(subcommand)]
    Period(PeriodCommand),
    /// Attendance windows (有效考勤时间段)
    #[command(subcommand)]
    Window(WindowCommand),
    /// 上报: draft → submitted
    Submit { project: String },
    /// 审核通过: submitted → approved
    Approve { project: String },
    /// 退回: submitted → rejected
    Reject {
        project: String,
        #[arg(long)]
        reason: String,
    },
    /// Back to draft after a rejection
    Revise { project: String },
    /// 已举办: approved → held
    Held { project: String },
    /// 结项: credits granted → closed
    Close { project: String },
}

#[derive(Subcommand)]
pub enum CourseCommand {
    Add {
        project: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        hours: f64,
        /// An in-house speaker: staff id, ID number or card
        #[arg(long, conflicts_with = "speaker_name")]
        speaker: Option<String>,
        /// An outside speaker's name
        #[arg(long = "speaker-name")]
        speaker_name: Option<String>,
        #[arg(long = "speaker-unit")]
        speaker_unit: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum PeriodCommand {
    Add {
        project: String,
        #[arg(long, value_parser = parse_date)]
        from: chrono::NaiveDate,
        #[arg(long, value_parser = parse_date)]
        to: chrono::NaiveDate,
    },
}

#[derive(Subcommand)]
pub enum WindowCommand {
    Add {
        project: String,
        /// e.g. "2026-11-10 07:30"
        #[arg(long, value_parser = parse_datetime)]
        from: chrono::NaiveDateTime,
        #[arg(long, value_parser = parse_datetime)]
        to: chrono::NaiveDateTime,
        #[arg(long)]
        label: Option<String>,
    },
}

pub fn run(ctx: &mut Context, cmd: ProjectCommand) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    let transition = |desk: &mut cmedesk_core::Desk,
                      p: &str,
                      action: ProjectAction,
                      reason: Option<&str>|
     -> Result<Reply> {
        let p = projects::resolve(desk, p)?;
        let p = projects::transition(desk, &actor, &p.id, action, reason)?;
        Ok(Reply::new(
            to_json(&p),
            format!("{} {}：状态为「{}」", p.code, action.label_zh(), p.state.label_zh()),
        ))
    };
    match cmd {
        ProjectCommand::Create { approved, details } => {
            let p = projects::create(desk, &actor, &approved, details.over(ProjectDetails::default()))?;
            Ok(Reply::new(to_json(&p), format!("已创建举办项目 {} {}（草稿）id={}", p.code, p.name, p.id)))
        }
        ProjectCommand::Show { project } => {
            let p = projects::resolve(desk, &project)?;
            let d = projects::detail(desk, &p.id)?;
            let mut text = format!(
                "{} {}\n级别 {}  学分 {:.2}  总学时 {:.1}  状态 {}{}\n",
                p.code,
                p.name,
                p.credit_level.label_zh(),
                p.credits,
                p.total_hours,
                p.state.label_zh(),
                p.state_reason.as_ref().map(|r| format!("（{r}）")).unwrap_or_default()
            );
            for c in &d.courses {
                text.push_str(&format!(
                    "课程 {}. {} {}学时 主讲 {}\n",
                    c.sort, c.title, c.hours, c.speaker_name
                ));
            }
            for h in &d.holding_periods {
                text.push_str(&format!("举办周期 {} 至 {}\n", h.starts_on, h.ends_on));
            }
            for w in &d.attendance_windows {
                text.push_str(&format!(
                    "考勤时间段 {} 至 {} {}\n",
                    w.starts_at,
                    w.ends_at,
                    table::opt(&w.label)
                ));
            }
            if !d.missing_for_submit.is_empty() {
                let labels: Vec<&str> = d.missing_for_submit.iter().map(|(_, l)| l.as_str()).collect();
                text.push_str(&format!("上报前需补全：{}\n", labels.join("、")));
            }
            let actions: Vec<&str> = d.actions.iter().map(|a| a.label_zh()).collect();
            text.push_str(&format!("可执行：{}\n", actions.join("、")));
            Ok(Reply::new(to_json(&d), text))
        }
        ProjectCommand::List { year, state } => {
            let rows = projects::list(desk, &ProjectFilter { year, state, query: None })?;
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|p| {
                    vec![
                        p.code.clone(),
                        p.name.clone(),
                        p.details.planned_start.map(|d| d.to_string()).unwrap_or_default(),
                        p.state.label_zh().into(),
                    ]
                })
                .collect();
            let text = table::render(&["项目编号", "项目名称", "拟举办日期", "状态"], &cells);
            Ok(Reply::new(json!({ "projects": to_json(&rows), "count": rows.len() }), text))
        }
        ProjectCommand::Update { project, details } => {
            let p = projects::resolve(desk, &project)?;
            let p = projects::update(desk, &actor, &p.id, details.over(p.details.clone()))?;
            Ok(Reply::new(to_json(&p), format!("已更新 {}", p.code)))
        }
        ProjectCommand::Course(CourseCommand::Add {
            project,
            title,
            hours,
            speaker,
            speaker_name,
            speaker_unit,
        }) => {
            let p = projects::resolve(desk, &project)?;
            let c = projects::add_course(
                desk,
                &actor,
                &p.id,
                NewCourse { title, hours, speaker_staff: speaker, speaker_name, speaker_unit },
            )?;
            Ok(Reply::new(to_json(&c), format!("已添加课程「{}」", c.title)))
        }
        ProjectCommand::Period(PeriodCommand::Add { project, from, to }) => {
            let p = projects::resolve(desk, &project)?;
            let h = projects::add_holding_period(desk, &actor, &p.id, from, to)?;
            Ok(Reply::new(to_json(&h), format!("已添加举办周期 {} 至 {}", h.starts_on, h.ends_on)))
        }
        ProjectCommand::Window(WindowCommand::Add { project, from, to, label }) => {
            let p = projects::resolve(desk, &project)?;
            let w = projects::add_attendance_window(desk, &actor, &p.id, from, to, label.as_deref())?;
            Ok(Reply::new(to_json(&w), format!("已添加考勤时间段 {} 至 {}", w.starts_at, w.ends_at)))
        }
        ProjectCommand::Submit { project } => transition(desk, &project, ProjectAction::Submit, None),
        ProjectCommand::Approve { project } => transition(desk, &project, ProjectAction::Approve, None),
        ProjectCommand::Reject { project, reason } => {
            transition(desk, &project, ProjectAction::Reject, Some(&reason))
        }
        ProjectCommand::Revise { project } => transition(desk, &project, ProjectAction::Revise, None),
        ProjectCommand::Held { project } => transition(desk, &project, ProjectAction::MarkHeld, None),
        ProjectCommand::Close { project } => transition(desk, &project, ProjectAction::Close, None),
    }
}
