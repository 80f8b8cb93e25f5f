//! `attendance`, `credits`, `compliance`, `forecast`: the credits engine on the command line —
//! attendance analysis with the reason for every invalid person, granting by strategy (twice is
//! harmless), manual credits with review, revocation, exemptions, the rule set per CME year,
//! compliance with department summaries, and the forecast of who will miss the year.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use cmedesk_core::credits::Centi;
use cmedesk_core::credits::project_grant::{self, GrantRequest};
use cmedesk_core::credits::store::{self, CreditFilter, NewEvidence};
use cmedesk_core::grant::{Exclusion, GrantStrategy};
use cmedesk_core::manual_credits::{ManualCreditForm, ReviewDecision, ReviewPolicy, SaveMode};
use cmedesk_core::rules::RuleBook;
use cmedesk_core::{departments, projects, staff};
use serde_json::json;

use crate::context::{Context, Reply, to_json};
use crate::table;

fn book() -> Result<RuleBook> {
    Ok(RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?)
}

fn amount(s: &str, field: &str) -> Result<Centi> {
    let x: f64 = s.trim().parse().with_context(|| format!("{field}: {s} is not a number"))?;
    Centi::from_decimal(x).with_context(|| format!("{field}: at most two decimals"))
}

#[derive(Subcommand)]
pub enum AttendanceCommand {
    /// Analyse a project's swipes: who is valid, and why the others are not (考勤分析)
    Analyze {
        /// Project code or id
        #[arg(long)]
        project: String,
    },
}

#[derive(Subcommand)]
pub enum CreditsCommand {
    /// Grant a project's credits by a strategy (授分); running it again changes nothing
    Grant {
        /// Project code or id
        #[arg(long)]
        project: String,
        /// any-attendance-full | any-course-full | all-courses-full | pro-rata-by-course-hours |
        /// at-least-N-swipes | must-have-evaluated | must-have-passed-exam
        #[arg(long)]
        strategy: String,
        /// Untick a person (staff id, ID number or card); repeat with one --reason each
        #[arg(long)]
        exclude: Vec<String>,
        /// The reason for each --exclude, in order
        #[arg(long)]
        reason: Vec<String>,
        /// Activity date (default: the last day of the holding periods)
        #[arg(long)]
        activity_date: Option<NaiveDate>,
        /// Staff who evaluated the project (for must-have-evaluated)
        #[arg(long)]
        evaluated: Vec<String>,
        /// Staff who passed the exam (for must-have-passed-exam)
        #[arg(long)]
        passed: Vec<String>,
        /// Also grant the in-house speakers (主讲人授分)
        #[arg(long)]
        speakers: bool,
    },
    /// Enter a manual credit (学分录入); --submit sends it to review (保存并上报)
    Add(AddArgs),
    /// Submit a saved manual credit (上报)
    Submit { credit: String },
    /// Review a manual credit at your level (科室 or 医院): approve, return or reject
    Review {
        credit: String,
        #[command(flatten)]
        decision: DecisionArgs,
    },
    /// Review every waiting credit of a person and year at once (per-person mode)
    ReviewPerson {
        /// Staff id, ID number or card
        staff: String,
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        decision: DecisionArgs,
    },
    /// Revoke a credit (the record stays, marked, with the reason)
    Revoke {
        credit: String,
        #[arg(long)]
        reason: String,
    },
    /// List credits of a person and/or year
    List {
        /// Staff id, ID number or card
        #[arg(long)]
        staff: Option<String>,
        #[arg(long)]
        year: Option<i32>,
        /// Project code or id
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        include_revoked: bool,
    },
    /// Mark a person 不计达标 for a year (or clear it with --clear)
    Exempt {
        staff: String,
        #[arg(long)]
        year: i32,
        #[arg(long, required_unless_present = "clear")]
        reason: Option<String>,
        #[arg(long)]
        clear: bool,
    },
    /// Show the rule sets, or choose the one for a CME year (--year Y --use ID)
    Rules {
        #[arg(long, requires = "use_rule_set")]
        year: Option<i32>,
        #[arg(long = "use")]
        use_rule_set: Option<String>,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// Staff id, ID number or card
    #[arg(long)]
    staff: String,
    /// Category key from the rule set (paper, further-study, self-study, project-national, ...)
    #[arg(long)]
    category: String,
    /// 活动名称
    #[arg(long)]
    name: String,
    /// 活动编号
    #[arg(long)]
    number: Option<String>,
    /// Quantity in the category's unit (months, articles, words ...)
    #[arg(long)]
    quantity: Option<String>,
    /// Credits, for categories without a rate
    #[arg(long)]
    credits: Option<String>,
    /// 学时
    #[arg(long, default_value = "0")]
    hours: String,
    /// 活动日期
    #[arg(long)]
    date: NaiveDate,
    /// 发证机构
    #[arg(long)]
    issuer: String,
    #[arg(long)]
    credit_level: Option<String>,
    #[arg(long)]
    note: Option<String>,
    /// Evidence files to attach (stored by SHA-256)
    #[arg(long)]
    evidence: Vec<PathBuf>,
    /// Save and submit (保存并上报) instead of saving a draft
    #[arg(long)]
    submit: bool,
}

#[derive(Args)]
pub struct ComplianceArgs {
    #[arg(long)]
    year: i32,
    /// A department (and its sub-departments)
    #[arg(long)]
    department: Option<String>,
    /// Hospital kind for R-31 (tertiary, provincial-unit)
    #[arg(long)]
    hospital_kind: Option<String>,
    /// Print every person (text output lists only the non-compliant by default)
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
pub struct ForecastArgs {
    #[arg(long)]
    year: i32,
    /// The day of the forecast (default: today)
    #[arg(long)]
    as_of: Option<NaiveDate>,
    #[arg(long)]
    department: Option<String>,
    #[arg(long)]
    hospital_kind: Option<String>,
}

pub fn run_attendance(ctx: &mut Context, cmd: AttendanceCommand) -> Result<Reply> {
    let book = book()?;
    let (desk, _actor) = ctx.actor()?;
    match cmd {
        AttendanceCommand::Analyze { project } => {
            let p = projects::resolve(desk, &project)?;
            let pa = project_grant::analyze_project(desk, &book, &p.id)?;
            let a = &pa.analysis;
            let rows: Vec<Vec<String>> = a
                .people
                .iter()
                .map(|x| {
                    vec![
                        match &x.swiper {
                            cmedesk_core::attendance::Swiper::Staff(s) => s.clone(),
                            cmedesk_core::attendance::Swiper::UnknownCard(k) => k.clone(),
                        },
                        if x.valid { "有效".into() } else { "无效".into() },
                        x.counted_swipes.to_string(),
                        x.reasons
                            .iter()
                            .map(|r| r.message_zh())
                            .chain(x.flags.iter().map(|f| f.message_zh()))
                            .collect::<Vec<_>>()
                            .join("；"),
                    ]
                })
                .collect();
            let text = format!(
                "{} {}：有效 {} 人，无效 {} 人；刷卡 {} 次（举办周期外 {}，重复 {}，未知卡 {}）\n{}",
                p.code,
                p.name,
                a.valid_count,
                a.invalid_count,
                a.swipes_total,
                a.swipes_outside_period,
                a.swipes_duplicate,
                a.swipes_unknown_card,
                table::render(&["人员/卡号", "结果", "有效刷卡", "原因"], &rows)
            );
            Ok(Reply::new(to_json(&pa), text))
        }
    }
}

pub fn run_credits(ctx: &mut Context, cmd: CreditsCommand) -> Result<Reply> {
    let book = book()?;
    let (desk, actor) = ctx.actor()?;
    match cmd {
        CreditsCommand::Grant {
            project,
            strategy,
            exclude,
            reason,
            activity_date,
            evaluated,
            passed,
            speakers,
        } => {
            let p = projects::resolve(desk, &project)?;
            if exclude.len() != reason.len() {
                anyhow::bail!("每个 --exclude 需要一个 --reason (each --exclude needs its --reason)");
            }
            let exclusions = exclude
                .iter()
                .zip(&reason)
                .map(|(s, r)| {
                    Ok(Exclusion { staff_id: staff::resolve(desk, s)?.staff.id, reason: r.clone() })
                })
                .collect::<Result<Vec<_>>>()?;
            let ids = |list: &[String]| -> Result<Vec<String>> {
                list.iter().map(|s| Ok(staff::resolve(desk, s)?.staff.id)).collect()
            };
            let request = GrantRequest {
                strategy: GrantStrategy::parse(&strategy).map_err(cmedesk_core::CoreError::from)?,
                exclusions,
                activity_date,
                evaluated: ids(&evaluated)?,
                exam_passed: ids(&passed)?,
                speakers,
            };
            let g = project_grant::grant_project(desk, &actor, &book, &p.id, &request)?;
            let text = format!(
                "{}：授分 {} 人（新增 {}，更新 {}，未变 {}），主讲人 {} 人，未授分 {} 人",
                p.code,
                g.participants.credits.len(),
                g.saved.inserted,
                g.saved.updated,
                g.saved.unchanged,
                g.speakers.credits.len(),
                g.participants.not_granted.len()
            );
            Ok(Reply::new(to_json(&g), text))
        }
        CreditsCommand::Add(a) => {
            let staff_id = staff::resolve(desk, &a.staff)?.staff.id;
            let files = a
                .evidence
                .iter()
                .map(|path| {
                    Ok(NewEvidence {
                        file_name: path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        content: std::fs::read(path)
                            .with_context(|| format!("reading {}", path.display()))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let form = ManualCreditForm {
                staff_id,
                category: a.category,
                activity_name: a.name,
                activity_number: a.number,
                credit_level: a.credit_level,
                delivery: None,
                discipline2: None,
                discipline3: None,
                quantity: a.quantity.map(|q| amount(&q, "quantity")).transpose()?,
                credits: a.credits.map(|c| amount(&c, "credits")).transpose()?,
                hours: amount(&a.hours, "hours")?,
                activity_date: a.date,
                note: a.note,
                issuer: a.issuer,
                evidence: vec![],
            };
            let mode = if a.submit { SaveMode::SaveAndSubmit } else { SaveMode::Save };
            let m = store::add_manual(desk, &actor, &book, form, &files, mode)?;
            let text = format!(
                "已{}学分 {}：{} 学分 {} 学时（{}）",
                if a.submit { "上报" } else { "保存" },
                m.credit.id,
                m.credit.credits,
                m.credit.hours,
                m.trail.status.label_zh()
            );
            Ok(Reply::new(to_json(&m), text))
        }
        CreditsCommand::Submit { credit } => {
            let m = store::submit_manual(desk, &actor, &book, &credit)?;
            Ok(Reply::new(to_json(&m), format!("已上报 {}", m.credit.id)))
        }
        CreditsCommand::Review { credit, decision: d } => {
            let m =
                store::review_manual(desk, &actor, &book, &credit, d.decision()?, d.reason(), d.policy())?;
            Ok(Reply::new(to_json(&m), format!("{}：{}", m.credit.id, m.trail.status.label_zh())))
        }
        CreditsCommand::ReviewPerson { staff: who, year, decision: d } => {
            let s = staff::resolve(desk, &who)?;
            let done = store::review_person(
                desk,
                &actor,
                &book,
                &s.staff.id,
                year,
                d.decision()?,
                d.reason(),
                d.policy(),
            )?;
            Ok(Reply::new(
                json!({ "reviewed": to_json(&done) }),
                format!("{} {} 年度：已审核 {} 条学分", s.staff.name, year, done.len()),
            ))
        }
        CreditsCommand::Revoke { credit, reason } => {
            let c = store::revoke(desk, &actor, &book, &credit, &reason)?;
            Ok(Reply::new(to_json(&c), format!("已撤销 {}", c.record.id)))
        }
        CreditsCommand::List { staff: who, year, project, include_revoked } => {
            let staff_id = who.map(|s| staff::resolve(desk, &s)).transpose()?.map(|r| r.staff.id);
            let project_id = project.map(|p| projects::resolve(desk, &p)).transpose()?.map(|p| p.id);
            let list =
                store::list(desk, &CreditFilter { staff_id, cme_year: year, project_id, include_revoked })?;
            let total: Centi = list.iter().filter(|c| c.revoked_at.is_none()).map(|c| c.record.credits).sum();
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|c| {
                    let r = &c.record;
                    vec![
                        r.activity_date.to_string(),
                        r.activity_name.clone(),
                        r.category.clone(),
                        r.credits.to_string(),
                        r.hours.to_string(),
                        if c.revoked_at.is_some() {
                            "已撤销".into()
                        } else {
                            r.review_status.label_zh().into()
                        },
                    ]
                })
                .collect();
            let text = format!(
                "{}共 {} 条，{} 学分\n",
                table::render(&["日期", "活动", "类别", "学分", "学时", "状态"], &rows),
                list.len(),
                total
            );
            Ok(Reply::new(json!({ "credits": to_json(&list) }), text))
        }
        CreditsCommand::Exempt { staff: who, year, reason, clear } => {
            let s = staff::resolve(desk, &who)?;
            let reason = if clear { None } else { reason };
            store::set_exemption(desk, &actor, &s.staff.id, year, reason.as_deref())?;
            Ok(Reply::new(
                json!({ "staff_id": s.staff.id, "year": year, "exemption": reason }),
                match &reason {
                    Some(r) => format!("{} {} 年度不计达标：{r}", s.staff.name, year),
                    None => format!("已取消 {} {} 年度的不计达标", s.staff.name, year),
                },
            ))
        }
        CreditsCommand::Rules { year, use_rule_set } => {
            if let (Some(y), Some(id)) = (year, use_rule_set.as_deref()) {
                store::set_year_rule_set(desk, &actor, &book, y, id)?;
            }
            let sets: Vec<serde_json::Value> = book
                .ids()
                .filter_map(|id| book.get(id).ok())
                .map(|s| {
                    json!({ "id": s.id, "name": s.name, "extends": s.extends,
                             "first_year": s.years.first, "last_year": s.years.last })
                })
                .collect();
            let text = sets
                .iter()
                .map(|s| {
                    format!(
                        "{}  {}  {}–{}",
                        s["id"].as_str().unwrap_or_default(),
                        s["name"].as_str().unwrap_or_default(),
                        s["first_year"],
                        s["last_year"]
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Reply::new(json!({ "rule_sets": sets }), text))
        }
    }
}

/// A review decision (credits review and the annual review's initial review).
#[derive(Args)]
pub struct DecisionArgs {
    /// approve | return | reject (通过 | 退回 | 不通过)
    #[arg(long)]
    decision: String,
    #[arg(long)]
    reason: Option<String>,
    /// The hospital may decide without the department's approval
    #[arg(long)]
    skip_department: bool,
}

impl DecisionArgs {
    pub fn decision(&self) -> Result<ReviewDecision> {
        Ok(match self.decision.as_str() {
            "approve" | "通过" => ReviewDecision::Approve,
            "return" | "退回" => ReviewDecision::Return,
            "reject" | "不通过" => ReviewDecision::Reject,
            other => anyhow::bail!("unknown decision {other}: approve | return | reject"),
        })
    }
    pub fn reason(&self) -> Option<&str> {
        self.reason.as_deref()
    }
    pub fn policy(&self) -> ReviewPolicy {
        ReviewPolicy { department_required: !self.skip_department }
    }
}

/// Staff id → "name（department）" for the text tables.
fn names(desk: &cmedesk_core::Desk) -> Result<std::collections::HashMap<String, String>> {
    Ok(staff::list(desk, &staff::StaffFilter::default())?
        .into_iter()
        .map(|r| (r.staff.id.clone(), format!("{}（{}）", r.staff.name, r.department_name)))
        .collect())
}

fn department_id(desk: &cmedesk_core::Desk, d: Option<String>) -> Result<Option<String>> {
    Ok(d.map(|d| departments::resolve(desk, &d)).transpose()?.map(|d| d.id))
}

pub fn run_compliance(ctx: &mut Context, a: ComplianceArgs) -> Result<Reply> {
    let book = book()?;
    let (desk, _actor) = ctx.actor()?;
    let dept = department_id(desk, a.department)?;
    let r = store::compliance_report(desk, &book, a.year, dept.as_deref(), a.hospital_kind.as_deref())?;
    let names = names(desk)?;
    let rows: Vec<Vec<String>> = r
        .people
        .iter()
        .filter(|p| a.all || p.status != cmedesk_core::compliance::ComplianceStatus::Compliant)
        .map(|p| {
            vec![
                names.get(&p.staff_id).cloned().unwrap_or_else(|| p.staff_id.clone()),
                p.status.label_zh().into(),
                p.totals.credits.to_string(),
                p.totals.hours.to_string(),
                p.gaps
                    .iter()
                    .map(|g| format!("{}差 {}", g.requirement.label_zh(), g.missing))
                    .chain(p.note.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
            ]
        })
        .collect();
    let h = &r.hospital;
    let text = format!(
        "{} 年度（{}，{} 至 {}）：{} 人，达标 {}，不达标 {}，不计达标 {}，达标率 {}%\n{}",
        a.year,
        r.rule_set,
        r.year.starts_on,
        r.year.ends_on,
        h.total,
        h.compliant,
        h.non_compliant,
        h.exempt,
        h.rate_percent,
        table::render(&["人员", "结果", "学分", "学时", "差距/说明"], &rows)
    );
    Ok(Reply::new(to_json(&r), text))
}

pub fn run_forecast(ctx: &mut Context, a: ForecastArgs) -> Result<Reply> {
    let book = book()?;
    let today = ctx.now()?.date_naive();
    let (desk, _actor) = ctx.actor()?;
    let dept = department_id(desk, a.department)?;
    let f = store::forecast_report(
        desk,
        &book,
        a.year,
        a.as_of.unwrap_or(today),
        dept.as_deref(),
        a.hospital_kind.as_deref(),
        &[],
    )?;
    let names = names(desk)?;
    let rows: Vec<Vec<String>> = f
        .people
        .iter()
        .filter(|p| p.outlook == cmedesk_core::forecast::Outlook::AtRisk)
        .map(|p| {
            vec![
                names.get(&p.staff_id).cloned().unwrap_or_else(|| p.staff_id.clone()),
                p.in_review.to_string(),
                p.gaps_projected
                    .iter()
                    .map(|g| format!("{}差 {}", g.requirement.label_zh(), g.missing))
                    .collect::<Vec<_>>()
                    .join("；"),
            ]
        })
        .collect();
    let text = format!(
        "截至 {}：{} 人可能不达标，共差 {} 学分\n{}",
        f.as_of,
        f.at_risk,
        f.missing_credits,
        table::render(&["人员", "审核中学分", "预计差距"], &rows)
    );
    Ok(Reply::new(to_json(&f), text))
}
