//! `staff`: the roster: add, list, show, update, transfer, status, find.

use anyhow::Result;
use clap::{Args, Subcommand};
use cmedesk_core::{
    departments, id_number,
    id_number::Gender,
    staff::{self, NewStaff, StaffEdit, StaffFilter, StaffRow, StaffStatus, TitleLevel},
};
use serde_json::json;

use crate::{
    context::{Context, Reply, parse_date, to_json},
    table,
};

fn gender(s: &str) -> Result<Gender, String> {
    Gender::parse(s).ok_or_else(|| format!("性别「{s}」应为 男/女"))
}
fn status(s: &str) -> Result<StaffStatus, String> {
    StaffStatus::parse(s).ok_or_else(|| format!("人员状态「{s}」应为 在职/产假/不计达标/注销/调出"))
}
fn title_level(s: &str) -> Result<TitleLevel, String> {
    TitleLevel::parse(s).ok_or_else(|| format!("职称级别「{s}」应为 初级/中级/副高/正高"))
}

/// Fields shared by `add` and `update`.
#[derive(Args)]
pub struct PersonArgs {
    #[arg(long)]
    name: Option<String>,
    #[arg(long = "id-number")]
    id_number: Option<String>,
    /// 男 / 女 (taken from the ID number when absent)
    #[arg(long, value_parser = gender)]
    gender: Option<Gender>,
    /// 职称, e.g. 主治医师
    #[arg(long)]
    title: Option<String>,
    /// 初级 / 中级 / 副高 / 正高
    #[arg(long = "title-level", value_parser = title_level)]
    title_level: Option<TitleLevel>,
    /// 专业 / 职称系列: 医师, 护理, 药师, 技师 ...
    #[arg(long)]
    profession: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Subcommand)]
pub enum StaffCommand {
    /// Add a person
    Add {
        #[command(flatten)]
        person: PersonArgs,
        /// Department (id, name or path)
        #[arg(long)]
        department: String,
        /// Issue this card at once
        #[arg(long)]
        card: Option<String>,
        #[arg(long, value_parser = status)]
        status: Option<StaffStatus>,
    },
    /// List the roster, filtered
    List {
        #[arg(long)]
        department: Option<String>,
        #[arg(long, value_parser = status)]
        status: Option<StaffStatus>,
        #[arg(long = "title-level", value_parser = title_level)]
        title_level: Option<TitleLevel>,
        #[arg(long)]
        profession: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
    /// Everything about one person (by id, ID number or card)
    Show { staff: String },
    /// Edit a person's fields
    Update {
        staff: String,
        #[command(flatten)]
        person: PersonArgs,
    },
    /// Transfer to another department
    Transfer {
        staff: String,
        #[arg(long)]
        to: String,
        /// Effective date [default: today]
        #[arg(long, value_parser = parse_date)]
        on: Option<chrono::NaiveDate>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Change status: 在职 / 产假 / 不计达标 / 注销 / 调出
    Status {
        staff: String,
        #[arg(value_parser = status)]
        status: StaffStatus,
        #[arg(long, value_parser = parse_date)]
        on: Option<chrono::NaiveDate>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Find by name prefix, ID number or card
    Find {
        query: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn rows_table(rows: &[StaffRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let s = &r.staff;
            vec![
                s.name.clone(),
                s.gender.label_zh().into(),
                id_number::mask(&s.id_number),
                r.department_name.clone(),
                table::opt(&s.title),
                s.status.label_zh().into(),
                table::opt(&r.card_key),
            ]
        })
        .collect();
    table::render(&["姓名", "性别", "身份证号", "科室", "职称", "状态", "卡"], &cells)
        + &format!("共 {} 人\n", rows.len())
}

pub fn run(ctx: &mut Context, cmd: StaffCommand) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    match cmd {
        StaffCommand::Add { person, department, card, status } => {
            let department_id = departments::resolve(desk, &department)?.id;
            let s = staff::add(
                desk,
                &actor,
                NewStaff {
                    name: person.name.unwrap_or_default(),
                    gender: person.gender,
                    id_number: person.id_number.unwrap_or_default(),
                    department_id,
                    title: person.title,
                    title_level: person.title_level,
                    profession: person.profession,
                    phone: person.phone,
                    status,
                    note: person.note,
                    card_key: card,
                },
            )?;
            Ok(Reply::new(to_json(&s), format!("已添加 {}（{}）id={}", s.name, s.id_number, s.id)))
        }
        StaffCommand::List { department, status, title_level, profession, limit } => {
            let department_id = department.map(|d| departments::resolve(desk, &d)).transpose()?.map(|d| d.id);
            let rows = staff::list(
                desk,
                &StaffFilter { department_id, status, title_level, profession, query: None, limit },
            )?;
            Ok(Reply::new(json!({ "staff": to_json(&rows), "count": rows.len() }), rows_table(&rows)))
        }
        StaffCommand::Show { staff: reference } => {
            let row = staff::resolve(desk, &reference)?;
            let d = staff::detail(desk, &row.staff.id)?;
            let s = &d.row.staff;
            let mut text = format!(
                "{} {} {}  出生 {}\n身份证号 {}\n科室 {}  职称 {}（{}） 专业 {}\n电话 {}  状态 {}  卡 {}\n",
                s.name,
                s.gender.label_zh(),
                s.id,
                s.birth_date,
                s.id_number,
                d.row.department_name,
                table::opt(&s.title),
                s.title_level.map(|t| t.label_zh()).unwrap_or(""),
                table::opt(&s.profession),
                table::opt(&s.phone),
                s.status.label_zh(),
                table::opt(&d.row.card_key)
            );
            for t in &d.transfers {
                text.push_str(&format!(
                    "调动 {} {} → {} {}\n",
                    t.effective_on,
                    t.from_department,
                    t.to_department,
                    table::opt(&t.reason)
                ));
            }
            for h in &d.status_history {
                text.push_str(&format!(
                    "状态 {} {} → {} {}\n",
                    h.effective_on,
                    h.from_status.map(|s| s.label_zh()).unwrap_or("-"),
                    h.to_status.label_zh(),
                    table::opt(&h.reason)
                ));
            }
            for c in &d.cards {
                text.push_str(&format!(
                    "卡 {} 发放 {}{}\n",
                    c.card_key,
                    c.issued_at,
                    c.revoked_at.as_ref().map(|r| format!(" 作废 {r}")).unwrap_or_default()
                ));
            }
            Ok(Reply::new(to_json(&d), text))
        }
        StaffCommand::Update { staff: reference, person } => {
            let current = staff::resolve(desk, &reference)?.staff;
            let edit = StaffEdit {
                name: person.name.unwrap_or(current.name),
                gender: person.gender,
                id_number: person.id_number.unwrap_or(current.id_number),
                title: person.title.or(current.title),
                title_level: person.title_level.or(current.title_level),
                profession: person.profession.or(current.profession),
                phone: person.phone.or(current.phone),
                note: person.note.or(current.note),
            };
            let s = staff::update(desk, &actor, &current.id, edit)?;
            Ok(Reply::new(to_json(&s), format!("已更新 {}", s.name)))
        }
        StaffCommand::Transfer { staff: reference, to, on, reason } => {
            let s = staff::resolve(desk, &reference)?.staff;
            let to = departments::resolve(desk, &to)?;
            let s =
                staff::transfer(desk, &actor, &s.id, &to.id, on.unwrap_or(actor.today()), reason.as_deref())?;
            Ok(Reply::new(to_json(&s), format!("{} 已调入「{}」", s.name, to.name)))
        }
        StaffCommand::Status { staff: reference, status, on, reason } => {
            let s = staff::resolve(desk, &reference)?.staff;
            let s = staff::set_status(
                desk,
                &actor,
                &s.id,
                status,
                on.unwrap_or(actor.today()),
                reason.as_deref(),
            )?;
            Ok(Reply::new(to_json(&s), format!("{} 的状态改为「{}」", s.name, s.status.label_zh())))
        }
        StaffCommand::Find { query, limit } => {
            let rows = staff::find(desk, &query, limit)?;
            Ok(Reply::new(json!({ "staff": to_json(&rows), "count": rows.len() }), rows_table(&rows)))
        }
    }
}
