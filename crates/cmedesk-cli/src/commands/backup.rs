//! `backup`: online backups of the desk database, kept by the rotation policy; verify; restore
//! with a preview first.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Subcommand;
use cmedesk_core::backup;
use serde_json::json;

use crate::{
    context::{Context, Reply, to_json},
    table,
};

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Back up now (the desk keeps working); older backups are rotated (7 daily, 4 weekly, 12 monthly)
    Create {
        /// Where backups live [default: `backups/` beside the database]
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Taken by a schedule (cron, Task Scheduler): listed by its rotation slot, not as manual
        #[arg(long)]
        scheduled: bool,
    },
    /// List the backups in the folder, verified
    List {
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Check one backup file: integrity and its rows against its manifest
    Verify { file: PathBuf },
    /// Restore a backup over the desk database (shows what changes; needs --yes to act)
    Restore {
        file: PathBuf,
        #[arg(long)]
        yes: bool,
    },
}

fn backup_dir(ctx: &Context, dir: Option<PathBuf>) -> Result<PathBuf> {
    match dir {
        Some(d) => Ok(d),
        None => Ok(ctx.db_path()?.parent().map(Path::to_path_buf).unwrap_or_default().join("backups")),
    }
}

pub fn run(ctx: &mut Context, cmd: BackupCommand) -> Result<Reply> {
    match cmd {
        BackupCommand::Create { dir, scheduled } => {
            let dir = backup_dir(ctx, dir)?;
            std::fs::create_dir_all(&dir)?;
            let (desk, actor) = ctx.actor()?;
            let target = dir.join(format!("desk-{}.db", actor.now.format("%Y%m%d-%H%M%S")));
            let trigger = if scheduled { backup::Trigger::Scheduled } else { backup::Trigger::Manual };
            let manifest = backup::create_with(desk, &actor, &target, trigger, &|_| {})?;
            let removed: Vec<String> = backup::folder::rotate(&dir, ctx.unlock(), &target, actor.today())?
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            let rows: i64 = manifest.row_counts.values().sum();
            Ok(Reply::new(
                json!({ "file": target, "manifest": to_json(&manifest), "rotated_out": removed }),
                format!(
                    "已备份到 {}（{} 张表，{rows} 行，已校验）；轮换删除 {} 个旧备份",
                    target.display(),
                    manifest.row_counts.len(),
                    removed.len()
                ),
            ))
        }
        BackupCommand::List { dir } => {
            let dir = backup_dir(ctx, dir)?;
            let today = ctx.now()?.date_naive();
            let list = backup::folder::list(&dir, ctx.unlock(), today)?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|e| {
                    vec![
                        e.name.clone(),
                        e.manifest.as_ref().map(|m| m.taken_at.clone()).unwrap_or_default(),
                        format!("{:?}", e.kind).to_lowercase(),
                        e.bytes.to_string(),
                        match &e.last_check {
                            Some(c) if c.ok => format!("完好（{}）", c.checked_at),
                            Some(c) => format!("损坏（{}）", c.checked_at),
                            None => "未校验".into(),
                        },
                    ]
                })
                .collect();
            Ok(Reply::new(
                json!({ "backups": to_json(&list) }),
                table::render(&["文件", "备份时间", "类型", "字节", "校验"], &rows),
            ))
        }
        BackupCommand::Verify { file } => {
            let at = ctx.now()?.to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
            let check = backup::folder::verify_and_record(&file, ctx.unlock(), &at)?;
            let text = if check.ok {
                format!("{} 完好：完整性检查通过，行数与清单一致", file.display())
            } else {
                format!(
                    "{} 损坏：完整性 {}，不一致的表 {:?}",
                    file.display(),
                    check.integrity,
                    check.mismatches
                )
            };
            Ok(Reply { failed: !check.ok, json: to_json(&check), text })
        }
        BackupCommand::Restore { file, yes } => {
            let (desk, actor) = ctx.actor()?;
            let preview = if yes {
                backup::restore(desk, &actor, &file)?
            } else {
                backup::preview_restore(desk, &file)?
            };
            let mut text: String =
                preview.changes.iter().map(|(t, now, then)| format!("{t}: {now} → {then} 行\n")).collect();
            text.push_str(if yes {
                "已恢复；本机同步身份已更新"
            } else {
                "以上为恢复后的变化，未执行；确认请加 --yes"
            });
            Ok(Reply::new(json!({ "restored": yes, "preview": to_json(&preview) }), text))
        }
    }
}
