//! `review`: the annual review (年度审验) — the initial-review deadline, the hospital's initial
//! review per record or per person, marking people for the health bureau (which locks their
//! year), the bureau's result, and everybody's progress.

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use cmedesk_core::annual_review::{self, BureauResult, Marking};
use cmedesk_core::rules::RuleBook;
use cmedesk_core::{departments, staff};
use serde_json::json;

use super::credits::DecisionArgs;
use crate::context::{Context, Reply, to_json};
use crate::table;

#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Show, or with --date set, the initial-review deadline of a year (default 10 September)
    Deadline {
        #[arg(long)]
        year: i32,
        /// Last day of the hospital's initial review
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Initial review of one manual credit (per-record mode, 按条审核)
    Record {
        credit: String,
        #[command(flatten)]
        decision: DecisionArgs,
    },
    /// Initial review of every waiting credit of a person and year (per-person mode, 按人审核)
    Person {
        /// Staff id, ID number or card
        staff: String,
        #[arg(long)]
        year: i32,
        #[command(flatten)]
        decision: DecisionArgs,
    },
    /// Mark people for the health bureau (报卫生局): their year is locked from then on. Without
    /// --staff, everybody ready (of --department) is marked and the others are listed
    Mark {
        #[arg(long)]
        year: i32,
        /// Staff id, ID number or card; repeat for several (all of them or none)
        #[arg(long)]
        staff: Vec<String>,
        #[arg(long)]
        department: Option<String>,
        /// Hospital kind for the 5-year national-credit rule (e.g. tertiary)
        #[arg(long)]
        hospital_kind: Option<String>,
    },
    /// Record the health bureau's result for a marked person (passed | failed, 合格 | 不合格)
    Bureau {
        staff: String,
        #[arg(long)]
        year: i32,
        #[arg(long)]
        result: String,
        /// Required when failed
        #[arg(long)]
        note: Option<String>,
    },
    /// Progress of a year's review: deadline, waiting credits, who is marked, bureau results
    Status {
        #[arg(long)]
        year: i32,
        #[arg(long)]
        department: Option<String>,
    },
}

pub fn run(ctx: &mut Context, cmd: ReviewCommand) -> Result<Reply> {
    let book = RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?;
    let (desk, actor) = ctx.actor()?;
    match cmd {
        ReviewCommand::Deadline { year, date } => {
            let cal = match date {
                Some(d) => annual_review::set_deadline(desk, &actor, year, d)?,
                None => annual_review::calendar(desk, year)?,
            };
            let text = format!(
                "{year} 年度医院初审截止日期：{}{}",
                cal.initial_review_by,
                if cal.configured { "" } else { "（默认）" }
            );
            Ok(Reply::new(to_json(&cal), text))
        }
        ReviewCommand::Record { credit, decision: d } => {
            let m = annual_review::review_record(
                desk,
                &actor,
                &book,
                &credit,
                d.decision()?,
                d.reason(),
                d.policy(),
            )?;
            Ok(Reply::new(to_json(&m), format!("{}：{}", m.credit.id, m.trail.status.label_zh())))
        }
        ReviewCommand::Person { staff: who, year, decision: d } => {
            let s = staff::resolve(desk, &who)?;
            let done = annual_review::review_person(
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
                format!("{} {} 年度：初审 {} 条学分", s.staff.name, year, done.len()),
            ))
        }
        ReviewCommand::Mark { year, staff: who, department, hospital_kind } => {
            let whom = if who.is_empty() {
                let department_id =
                    department.map(|d| departments::resolve(desk, &d)).transpose()?.map(|d| d.id);
                Marking::AllReady { department_id }
            } else {
                Marking::People(
                    who.iter().map(|s| Ok(staff::resolve(desk, s)?.staff.id)).collect::<Result<_>>()?,
                )
            };
            let r =
                annual_review::mark_for_bureau(desk, &actor, &book, year, whom, hospital_kind.as_deref())?;
            let mut text =
                format!("{year} 年度已报卫生局 {} 人，未报 {} 人", r.marked.len(), r.skipped.len());
            for s in &r.skipped {
                text.push_str(&format!("\n  {}：{}", s.staff_id, s.reason_zh));
            }
            Ok(Reply::new(to_json(&r), text))
        }
        ReviewCommand::Bureau { staff: who, year, result, note } => {
            let s = staff::resolve(desk, &who)?;
            let result = BureauResult::parse(&result)
                .ok_or_else(|| anyhow::anyhow!("unknown result {result}: passed | failed"))?;
            let r = annual_review::record_bureau_result(
                desk,
                &actor,
                &s.staff.id,
                year,
                result,
                note.as_deref(),
            )?;
            Ok(Reply::new(to_json(&r), format!("{} {} 年度审验：{}", s.staff.name, year, result.label_zh())))
        }
        ReviewCommand::Status { year, department } => {
            let department_id = department.map(|d| departments::resolve(desk, &d)).transpose()?.map(|d| d.id);
            let st = annual_review::status(desk, year, department_id.as_deref(), actor.today())?;
            let rows: Vec<Vec<String>> = st
                .people
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.awaiting_review.to_string(),
                        p.approved.to_string(),
                        p.returned_or_rejected.to_string(),
                        match &p.review {
                            None => "未报".into(),
                            Some(r) => format!("已报（{}）", r.compliance.label_zh()),
                        },
                        p.review
                            .as_ref()
                            .and_then(|r| r.bureau_result)
                            .map(|b| b.label_zh().to_string())
                            .unwrap_or_default(),
                    ]
                })
                .collect();
            let text = format!(
                "{year} 年度审验：初审截止 {}（{}），待初审 {} 条，已报卫生局 {} 人，已登记结果 {} 人\n{}",
                st.calendar.initial_review_by,
                if st.initial_review_open { "进行中" } else { "已截止" },
                st.awaiting_review,
                st.marked,
                st.bureau_recorded,
                table::render(&["姓名", "待初审", "通过", "退回/不通过", "报卫生局", "审验结果"], &rows)
            );
            Ok(Reply::new(to_json(&st), text))
        }
    }
}
