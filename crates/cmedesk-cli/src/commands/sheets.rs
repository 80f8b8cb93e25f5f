//! `import`, `export`, `templates`: provincial and hospital spreadsheets through the templates in
//! `schema/templates/` (crate cmedesk-sheets). An import is checked in full first; it commits all
//! rows or none, and names every rejected row by the row number Excel shows.

use std::{io::IsTerminal, path::PathBuf};

use anyhow::Result;
use clap::{Args, Subcommand};
use cmedesk_sheets::{ImportOptions, ImportReport, ReadOptions, Template, mappings};
use serde_json::json;

use crate::{
    context::{Context, Reply, to_json},
    table,
};

#[derive(Args)]
pub struct ImportArgs {
    /// Template name (see `cmedesk templates list`), e.g. staff-roster, approved-projects
    template: String,
    /// The .xlsx / .xls file
    file: PathBuf,
    /// Check every row and report, write nothing
    #[arg(long)]
    dry_run: bool,
    /// Write an error report (a copy of the sheet with a 错误原因 column) here when rows are rejected
    #[arg(long, value_name = "OUT.xlsx")]
    report: Option<PathBuf>,
    /// A header the template does not know, and the field it means: `--map "原单位=department"`
    /// (repeatable). Remembered for later imports of this template (not on a dry run).
    #[arg(long = "map", value_name = "表头=FIELD")]
    map: Vec<String>,
    /// The hosted project the rows are for (remote-learning): its code or id
    #[arg(long, value_name = "CODE")]
    project: Option<String>,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Template name, e.g. staff-roster, approved-projects
    template: String,
    /// Only this year (approved-projects, credit-list); the year of compliance-report and annual-review
    #[arg(long)]
    year: Option<i32>,
    /// Only this department and below (staff-roster, credit-list, compliance-report, annual-review; id, name or path)
    #[arg(long)]
    department: Option<String>,
    /// Only this person's credits (credit-list; id, ID number or card key)
    #[arg(long)]
    staff: Option<String>,
    /// The project of attendance-detail (考勤明细): its 项目编号 or id
    #[arg(long)]
    project: Option<String>,
    /// The .xlsx file to write
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Subcommand)]
pub enum TemplatesCommand {
    /// List the shipped templates and what each can do today
    List,
    /// List remembered header mappings (表头对照), of one template or of all
    Mappings {
        /// Only this template
        template: Option<String>,
    },
    /// Remember that a header means a template field: `templates map staff-roster "原单位=department"`
    Map {
        template: String,
        /// `表头=field`
        pair: String,
    },
    /// Forget a remembered header mapping
    Unmap { template: String, header: String },
}

fn import_text(r: &ImportReport) -> String {
    let mut text = format!(
        "模板 {}，工作表「{}」，表头在第{}行；数据{}行（跳过空行{}、说明行{}）\n",
        r.template, r.sheet, r.header_row, r.data_rows, r.skipped_blank, r.skipped_notes
    );
    if !r.unmapped.is_empty() {
        text.push_str(&format!("未使用的列：{}\n", r.unmapped.join("、")));
    }
    if !r.rejected.is_empty() {
        let rows: Vec<Vec<String>> =
            r.rejected.iter().map(|x| vec![x.row.to_string(), x.column.clone(), x.reason.clone()]).collect();
        text.push_str(&table::render(&["行", "列", "原因"], &rows));
        text.push('\n');
        text.push_str(&format!("{}行有误，未导入任何数据", r.rejected_rows()));
        if let Some(p) = &r.report {
            text.push_str(&format!("；错误报告已写入 {p}"));
        }
        text.push('\n');
    } else if let Some(remote) = &r.remote {
        text.push_str(&remote_text(remote, r.dry_run));
    } else if r.dry_run {
        text.push_str(&format!("检查通过：{}行可导入（未写入）\n", r.ready));
    } else {
        text.push_str(&format!("已导入{}行\n", r.imported));
    }
    for w in &r.warnings {
        text.push_str(&format!("提示 第{}行 {}：{}\n", w.row, w.column, w.message));
    }
    text
}

fn remote_text(r: &cmedesk_sheets::remote::RemoteSummary, dry_run: bool) -> String {
    let mut text = format!(
        "项目 {} {}：{}人学完（每人{}学分），{}人未学完\n",
        r.project_code,
        r.project_name,
        r.credited.len(),
        r.credits,
        r.not_credited.len()
    );
    let mut rows: Vec<Vec<String>> = r
        .credited
        .iter()
        .map(|p| {
            vec![p.name.clone(), p.id_number.clone(), p.platform.clone().unwrap_or_default(), "授分".into()]
        })
        .collect();
    rows.extend(r.not_credited.iter().map(|p| {
        vec![
            p.name.clone(),
            p.id_number.clone(),
            p.platform.clone().unwrap_or_else(|| "两平台".into()),
            p.reasons.join("；"),
        ]
    }));
    text.push_str(&table::render(&["姓名", "身份证号", "平台", "结果"], &rows));
    text.push('\n');
    match &r.saved {
        Some(s) if !dry_run => {
            text.push_str(&format!("已记录学分：新增{}条，未变{}条\n", s.inserted, s.unchanged + s.updated))
        }
        _ => text.push_str("（试运行，未写入）\n"),
    }
    text
}

pub fn import(ctx: &mut Context, a: ImportArgs) -> Result<Reply> {
    let template = Template::get(&a.template)?;
    let show_progress = !ctx.args.json && std::io::stderr().is_terminal();
    let pairs = a.map.iter().map(|m| mappings::parse_pair(m)).collect::<Result<Vec<_>, _>>()?;
    let (desk, actor) = ctx.actor()?;
    if !a.dry_run {
        for (header, field) in &pairs {
            mappings::remember(desk, &actor, &template, header, field)?;
        }
    }
    let opts = ImportOptions {
        dry_run: a.dry_run,
        report: a.report,
        read: ReadOptions {
            progress_every: if show_progress { 10_000 } else { 0 },
            header_map: pairs.into_iter().collect(),
        },
        project: a.project,
    };
    let mut r = cmedesk_sheets::import(desk, &actor, &template, &a.file, &opts, &mut |done, total| {
        eprint!("\r已读取 {done}/{total} 行");
        if done == total {
            eprintln!();
        }
    })?;
    if let Some(remote) = &mut r.remote {
        let view = ctx.id_view();
        for p in remote.credited.iter_mut().chain(remote.not_credited.iter_mut()) {
            p.id_number = view.text(&p.id_number);
        }
    }
    let mut reply = Reply::new(to_json(&r), import_text(&r));
    reply.failed = !r.rejected.is_empty();
    Ok(reply)
}

pub fn export(ctx: &mut Context, a: ExportArgs) -> Result<Reply> {
    let template = Template::get(&a.template)?;
    let view = ctx.id_view().clone();
    let (desk, _) = ctx.actor()?;
    let scope = cmedesk_sheets::ExportScope {
        year: a.year,
        department: a.department.as_deref(),
        staff: a.staff.as_deref(),
        project: a.project.as_deref(),
    };
    let out = cmedesk_sheets::export_for_view(desk, &template, &scope, &a.out, &view)?;
    let text = format!("已导出 {} 行到 {}", out.rows, out.path);
    Ok(Reply::new(to_json(&out), text))
}

fn mapping_rows(list: &[cmedesk_core::header_mappings::HeaderMapping]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            vec![
                m.template.clone(),
                m.header.clone(),
                m.field.clone(),
                m.updated_by.clone(),
                m.updated_at.clone(),
            ]
        })
        .collect();
    table::render(&["模板", "表头", "字段", "操作员", "时间"], &rows)
}

pub fn templates(ctx: &mut Context, cmd: TemplatesCommand) -> Result<Reply> {
    match cmd {
        TemplatesCommand::Mappings { template } => {
            if let Some(t) = &template {
                Template::get(t)?;
            }
            let list = cmedesk_core::header_mappings::list(ctx.desk()?, template.as_deref())?;
            let text = if list.is_empty() {
                "没有已保存的表头对照".to_string()
            } else {
                mapping_rows(&list)
            };
            Ok(Reply::new(json!({ "mappings": to_json(&list), "count": list.len() }), text))
        }
        TemplatesCommand::Map { template, pair } => {
            let template = Template::get(&template)?;
            let (header, field) = mappings::parse_pair(&pair)?;
            let (desk, actor) = ctx.actor()?;
            let m = mappings::remember(desk, &actor, &template, &header, &field)?;
            let text = format!("已保存：模板 {} 的表头「{}」对应字段 {}", m.template, m.header, m.field);
            Ok(Reply::new(to_json(&m), text))
        }
        TemplatesCommand::Unmap { template, header } => {
            let template = Template::get(&template)?;
            let (desk, actor) = ctx.actor()?;
            let m = mappings::forget(desk, &actor, &template, &header)?;
            let text = format!("已删除：模板 {} 的表头「{}」", m.template, m.header);
            Ok(Reply::new(to_json(&m), text))
        }
        TemplatesCommand::List => {
            let all = Template::all()?;
            let list: Vec<_> = all
                .iter()
                .map(|t| {
                    json!({
                        "name": t.name,
                        "title": t.title,
                        "description": t.description,
                        // Definition-only templates can be checked with --dry-run but not committed.
                        "importable": t.importable(),
                        "needs_project": t.needs_project(),
                        "import_note": t.import_note,
                        "exportable": cmedesk_sheets::exportable(t),
                        "columns": t.columns.iter().map(|c| json!({
                            "field": c.field, "header": c.header, "synonyms": c.synonyms,
                            "type": c.kind, "required": c.required,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|t| {
                    vec![
                        t.name.clone(),
                        t.title.clone(),
                        match (t.target.is_some(), cmedesk_sheets::exportable(t)) {
                            (true, _) => "导入/导出",
                            (false, true) => "导出/检查",
                            (false, false) => "仅检查",
                        }
                        .to_string(),
                        t.columns.iter().map(|c| c.header.as_str()).collect::<Vec<_>>().join("、"),
                    ]
                })
                .collect();
            Ok(Reply::new(
                json!({ "templates": list, "count": all.len() }),
                table::render(&["模板", "名称", "用途", "列"], &rows),
            ))
        }
    }
}
