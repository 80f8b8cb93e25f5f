//! `backup`: online backups of the desk database, kept by the rotation policy; verify; restore
//! with a preview first; the desk's backup schedule (定时备份) and `backup due`, the one-shot
//! a cron job or Windows task runs (a backup if one is due, by the same rule as the app).

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use cmedesk_core::backup::{self, schedule};
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
    /// Show or change the backup schedule (定时备份; changing it is admin only, audited)
    Schedule(ScheduleArgs),
    /// Take a scheduled backup if one is due now (for cron / Windows Task Scheduler), then rotate
    Due,
}

#[derive(clap::Args)]
pub struct ScheduleArgs {
    /// Switch scheduled backups on
    #[arg(long, conflicts_with = "off")]
    on: bool,
    /// Switch scheduled backups off
    #[arg(long)]
    off: bool,
    /// Time of day, HH:MM (local time)
    #[arg(long)]
    at: Option<String>,
    /// Backup folder (an absolute path; empty: `backups/` beside the database)
    #[arg(long)]
    folder: Option<String>,
    /// At start, back up when the last backup is older than a day: on | off
    #[arg(long, value_parser = ["on", "off"])]
    catch_up: Option<String>,
}

/// `--dir`, else the schedule's folder (`backups/` beside the database unless set).
fn backup_dir(ctx: &mut Context, dir: Option<PathBuf>) -> Result<PathBuf> {
    match dir {
        Some(d) => Ok(d),
        None => {
            let db = ctx.db_path()?;
            Ok(schedule::load(ctx.desk()?)?.folder_for(&db))
        }
    }
}

fn schedule_text(status: &schedule::Status) -> String {
    let s = &status.schedule;
    let mut text = if s.enabled {
        format!(
            "定时备份：开，每天 {}，文件夹 {}；启动时补备份（上次备份超过一天）：{}",
            s.at,
            status.folder,
            if s.catch_up_at_start { "开" } else { "关" }
        )
    } else {
        format!("定时备份：关（文件夹 {}）", status.folder)
    };
    if let Some(next) = &status.due.next_at {
        text.push_str(&format!("\n下次备份：{next}"));
    }
    text.push_str(&format!("\n最近一次备份：{}", status.last_backup_at.as_deref().unwrap_or("无")));
    if let Some(run) = &status.last_run {
        let result = match (&run.ok, &run.error) {
            (true, _) => format!("成功（{}）", run.file.as_deref().unwrap_or_default()),
            (false, e) => format!("失败：{}", e.as_deref().unwrap_or_default()),
        };
        text.push_str(&format!("\n上次定时备份 {}：{result}", run.at));
    }
    text
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
        BackupCommand::Schedule(a) => {
            let changes = a.on || a.off || a.at.is_some() || a.folder.is_some() || a.catch_up.is_some();
            if changes {
                let (desk, actor) = ctx.actor()?;
                let mut s = schedule::load(desk)?;
                if a.on || a.off {
                    s.enabled = a.on;
                }
                if let Some(at) = a.at {
                    s.at = at;
                }
                if let Some(f) = a.folder {
                    s.folder = Some(f);
                }
                if let Some(c) = a.catch_up {
                    s.catch_up_at_start = c == "on";
                }
                schedule::save(desk, &actor, s)?;
            }
            let now = ctx.now()?;
            let status = schedule::status(ctx.desk()?, now, false)?;
            Ok(Reply::new(to_json(&status), schedule_text(&status)))
        }
        BackupCommand::Due => {
            let (desk, actor) = ctx.actor()?;
            // A one-shot run is a start: the catch-up rule applies as when the app starts.
            let started = std::time::Instant::now();
            let run = schedule::run_if_due(desk, &actor, true, &|_| {}, &|| started.elapsed())?;
            let status = schedule::status(desk, actor.now, false)?;
            let text = match &run {
                None => format!(
                    "现在无需备份；下次备份：{}",
                    status.due.next_at.as_deref().unwrap_or("（定时备份已关闭）")
                ),
                Some(r) if r.ok => format!(
                    "已备份到 {}（已校验）；轮换删除 {} 个旧备份",
                    r.file.as_deref().unwrap_or_default(),
                    r.rotated_out
                ),
                Some(r) => format!("定时备份失败：{}", r.error.as_deref().unwrap_or_default()),
            };
            Ok(Reply {
                failed: run.as_ref().is_some_and(|r| !r.ok),
                json: json!({ "ran": run.is_some(), "run": to_json(&run), "schedule": to_json(&status) }),
                text,
            })
        }
    }
}
