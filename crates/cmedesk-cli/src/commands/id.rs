//! `id check`: validate resident ID numbers (GB 11643) without touching any database.

use anyhow::Result;
use clap::Subcommand;
use cmedesk_core::id_number;
use serde_json::json;

use crate::context::{Context, Reply};

#[derive(Subcommand)]
pub enum IdCommand {
    /// Check ID numbers: valid?, normalised 18-char form, birth date, gender, or why not
    Check {
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

pub fn run(ctx: &mut Context, cmd: IdCommand) -> Result<Reply> {
    let IdCommand::Check { ids } = cmd;
    let today = ctx.now()?.date_naive();
    let mut results = Vec::new();
    let mut text = String::new();
    let mut all_valid = true;
    for raw in &ids {
        match id_number::validate(raw, today) {
            Ok(v) => {
                text.push_str(&format!(
                    "{raw}\t有效\t{}\t出生 {}\t{}{}\n",
                    v.normalized,
                    v.birth_date,
                    v.gender.label_zh(),
                    if v.upgraded_from_15 { "\t（15位旧号已升级）" } else { "" }
                ));
                results.push(json!({
                    "input": raw, "valid": true, "normalized": v.normalized, "birth_date": v.birth_date,
                    "gender": v.gender, "upgraded_from_15": v.upgraded_from_15,
                }));
            }
            Err(e) => {
                all_valid = false;
                text.push_str(&format!("{raw}\t无效\t{}\n", e.message_zh()));
                results.push(json!({
                    "input": raw, "valid": false, "code": e.code(), "reason": e.message_zh(), "reason_en": e.to_string(),
                }));
            }
        }
    }
    Ok(Reply { json: json!({ "results": results }), text, failed: !all_valid })
}
