//! `backup`: online backups of the desk database, kept by the rotation policy; verify; restore
//! with a preview first.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
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

fn backups_in(dir: &Path) -> Result<Vec<(PathBuf, backup::BackupCheck)>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "db") {
            let check = backup::verify(&path)?;
            out.push((path, check));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

pub fn run(ctx: &mut Context, cmd: BackupCommand) -> Result<Reply> {
    match cmd {
        BackupCommand::Create { dir } => {
            let dir = backup_dir(ctx, dir)?;
            std::fs::create_dir_all(&dir)?;
            let (desk, actor) = ctx.actor()?;
            let target = dir.join(format!("desk-{}.db", actor.now.format("%Y%m%d-%H%M%S")));
            let manifest = backup::create(desk, &actor, &target)?;
            // Rotation: by the time recorded in each backup's own manifest.
            let existing = backups_in(&dir)?;
            let taken: Vec<_> = existing
                .iter()
                .map(|(_, c)| {
                    c.manifest
                        .as_ref()
                        .and_then(|m| chrono::DateTime::parse_from_rfc3339(&m.taken_at).ok())
                        .unwrap_or(actor.now)
                })
                .collect();
            let mut removed = Vec::new();
            for i in backup::rotation_victims(&taken, actor.today()) {
                let path = &existing[i].0;
                if path != &target && existing[i].1.manifest.is_some() {
                    std::fs::remove_file(path)?;
                    removed.push(path.display().to_string());
                }
            }
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
            let list = backups_in(&dir)?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|(p, c)| {
                    vec![
                        p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                        c.manifest.as_ref().map(|m| m.taken_at.clone()).unwrap_or_default(),
                        if c.ok { "完好" } else { "损坏" }.into(),
                    ]
                })
                .collect();
            let json_list: Vec<_> =
                list.iter().map(|(p, c)| json!({ "file": p, "check": to_json(c) })).collect();
            Ok(Reply::new(
                json!({ "backups": json_list }),
                table::render(&["文件", "备份时间", "校验"], &rows),
            ))
        }
        BackupCommand::Verify { file } => {
            let check = backup::verify(&file)?;
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
