//! `audit-log`: who changed what; `--verify` walks the hash chain.

use anyhow::Result;
use clap::Args;
use cmedesk_core::audit_log::{self, Filter};
use serde_json::json;

use crate::{
    context::{Context, Reply, to_json},
    table,
};

#[derive(Args)]
pub struct AuditArgs {
    /// Check the whole hash chain instead of listing
    #[arg(long)]
    verify: bool,
    #[arg(long)]
    entity: Option<String>,
    #[arg(long = "entity-id")]
    entity_id: Option<String>,
    #[arg(long = "by")]
    by_operator: Option<String>,
    #[arg(long)]
    since: Option<String>,
    #[arg(long)]
    text: Option<String>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
}

pub fn run(ctx: &mut Context, args: AuditArgs) -> Result<Reply> {
    let (desk, _actor) = ctx.actor()?;
    if args.verify {
        let report = audit_log::verify(desk)?;
        let text = if report.intact {
            format!("操作日志完整：{} 条记录，哈希链校验通过", report.rows)
        } else {
            format!(
                "操作日志被篡改：第 {} 条记录起校验失败（{}）",
                report.first_bad_seq.unwrap_or_default(),
                report.problem.clone().unwrap_or_default()
            )
        };
        return Ok(Reply { failed: !report.intact, json: to_json(&report), text });
    }
    let entries = audit_log::list(
        desk,
        &Filter {
            entity: args.entity,
            entity_id: args.entity_id,
            operator: args.by_operator,
            since: args.since,
            text: args.text,
            limit: Some(args.limit),
        },
    )?;
    let cells: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![e.seq.to_string(), e.at.clone(), e.operator.clone(), e.action.clone(), e.entity_id.clone()]
        })
        .collect();
    Ok(Reply::new(
        json!({ "entries": to_json(&entries) }),
        table::render(&["序号", "时间", "操作员", "操作", "对象"], &cells),
    ))
}
