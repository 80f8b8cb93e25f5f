//! `swipe` and `terminal`: taking swipes from a live reader (each one committed before it is
//! confirmed), importing vendor swipe logs, listing swipes, and pulling storing terminals
//! (cleared only after the commit, and only when the counts match).

use std::{
    io::Write,
    path::PathBuf,
    sync::mpsc,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result};
use clap::{Subcommand, ValueEnum};
use cmedesk_cards::{
    PortLocator, ReaderConfig, ReaderEvent, ReaderHandle, ReaderKind, StoringTerminal,
    codec::ascii::{AsciiConfig, NumberFormat},
    logfile,
};
use cmedesk_core::{
    Actor, Permission,
    privacy::IdView,
    projects,
    swipes::{self, DuplicatePolicy, Ingested, SwipeFilter, SwipeInput, SwipeSource},
    terminals,
};
use serde_json::json;

use crate::{
    context::{Context, Reply, clock_now, to_json},
    table,
};

#[derive(Clone, Copy, ValueEnum)]
pub enum Reader {
    /// Resident ID card reader (SAM protocol)
    Sam,
    /// EM4100 125 kHz reader (RDM6300 frames)
    Em4100,
    /// Reader that sends one number per line
    Ascii,
}

#[derive(Subcommand)]
pub enum SwipeCommand {
    /// Take swipes from a reader; prints one JSON line per committed swipe
    Listen {
        /// The serial port, e.g. /dev/ttyUSB0 (see `cmedesk ports`)
        #[arg(long)]
        port: String,
        #[arg(long, value_enum)]
        reader: Reader,
        /// The project the swipes count for (code or id)
        #[arg(long)]
        project: Option<String>,
        /// Stop after this many swipes
        #[arg(long = "max-swipes")]
        max_swipes: Option<usize>,
        /// Stop after this many seconds
        #[arg(long)]
        timeout: Option<u64>,
        /// ASCII readers: hex, reversed-hex, dec10, dec10-reversed, wiegand26, printed
        #[arg(long, default_value = "hex")]
        format: String,
        /// The same card on the same project within this many seconds is a duplicate
        #[arg(long = "duplicate-window", default_value_t = 60)]
        duplicate_window: i64,
    },
    /// Import a terminal's exported swipe log (CSV/TXT, UTF-8 or GBK); all lines or none
    Import {
        file: PathBuf,
        #[arg(long)]
        project: Option<String>,
        /// How card numbers in the file are written
        #[arg(long, default_value = "printed")]
        format: String,
    },
    /// List swipes, oldest first
    List {
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        card: Option<String>,
        #[arg(long)]
        limit: Option<u32>,
    },
}

#[derive(Subcommand)]
pub enum TerminalCommand {
    /// Pull a storing terminal's swipe log, commit it, then clear the device
    Pull {
        #[arg(long)]
        port: String,
        #[arg(long, default_value_t = 921_600)]
        baud: u32,
        #[arg(long)]
        project: Option<String>,
        /// Leave the records on the device
        #[arg(long)]
        keep: bool,
    },
    /// Terminals the desk has seen
    List,
}

fn project_id(desk: &cmedesk_core::Desk, project: Option<&str>) -> Result<Option<String>> {
    Ok(project.map(|p| projects::resolve(desk, p)).transpose()?.map(|p| p.id))
}

/// Prints a line and flushes it: the line is the person's confirmation.
fn confirm(line: &str, view: &IdView) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", view.text(line)).and_then(|_| out.flush());
}

fn swipe_line(i: &Ingested, commit_ms: f64) -> serde_json::Value {
    json!({
        "swipe_id": i.swipe.id,
        "card_key": i.swipe.card_key,
        "status": i.swipe.status,
        "staff_id": i.swipe.staff_id,
        "name": i.holder.as_ref().map(|h| h.staff.name.clone()),
        "department": i.holder.as_ref().map(|h| h.department_name.clone()),
        "swiped_at": i.swipe.swiped_at,
        "commit_ms": commit_ms,
    })
}

pub fn run(ctx: &mut Context, cmd: SwipeCommand) -> Result<Reply> {
    match cmd {
        SwipeCommand::Listen { port, reader, project, max_swipes, timeout, format, duplicate_window } => {
            let json_out = ctx.args.json;
            let view = ctx.id_view().clone();
            let (desk, signed_in) = ctx.actor()?;
            let project_id = project_id(desk, project.as_deref())?;
            let kind = match reader {
                Reader::Sam => ReaderKind::Sam,
                Reader::Em4100 => ReaderKind::Em4100,
                Reader::Ascii => ReaderKind::Ascii,
            };
            let terminal =
                terminals::ensure(desk, &signed_in, kind.as_str(), &format!("读卡器 {port}"), Some(&port))?;
            let mut cfg = ReaderConfig::new(terminal.id.clone(), kind, PortLocator::Path(port.clone()));
            let format: NumberFormat = format.parse()?;
            cfg.ascii = AsciiConfig { format, ..AsciiConfig::default() };
            let (tx, rx) = mpsc::channel();
            let handle = ReaderHandle::spawn(cfg, tx)?;
            let policy = DuplicatePolicy { window_secs: duplicate_window };
            let deadline = timeout.map(|s| Instant::now() + Duration::from_secs(s));
            let mut taken = 0usize;
            let mut counts = std::collections::BTreeMap::<&str, usize>::new();
            while max_swipes.is_none_or(|m| taken < m) {
                let wait = deadline
                    .map_or(Duration::from_millis(500), |d| d.saturating_duration_since(Instant::now()));
                if deadline.is_some() && wait.is_zero() {
                    break;
                }
                let event = match rx.recv_timeout(wait.min(Duration::from_millis(500))) {
                    Ok(e) => e,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                };
                match event {
                    ReaderEvent::Card(read) => {
                        // Each swipe carries the time it was taken, not the time of sign-in.
                        let actor = Actor::new(signed_in.operator.clone(), clock_now()?);
                        let ingested = swipes::ingest(
                            desk,
                            &actor,
                            SwipeInput {
                                terminal_id: terminal.id.clone(),
                                terminal_seq: None,
                                source: SwipeSource::Reader,
                                card_key: read.card_key.clone(),
                                raw: Some(read.raw.clone()),
                                device_time: None,
                                clock_offset_ms: None,
                                project_id: project_id.clone(),
                            },
                            policy,
                        )?;
                        let commit_ms = read.frame_end.elapsed().as_secs_f64() * 1000.0;
                        taken += 1;
                        *counts.entry(ingested.swipe.status.as_str()).or_default() += 1;
                        if json_out {
                            confirm(&swipe_line(&ingested, commit_ms).to_string(), &view);
                        } else {
                            let who = ingested
                                .holder
                                .as_ref()
                                .map(|h| format!("{} {}", h.staff.name, h.department_name))
                                .unwrap_or_else(|| ingested.swipe.card_key.clone());
                            confirm(
                                &format!(
                                    "{} {} {}",
                                    ingested.swipe.swiped_at.format("%H:%M:%S"),
                                    ingested.swipe.status.label_zh(),
                                    who
                                ),
                                &view,
                            );
                        }
                    }
                    other => eprintln!("{}", view.text(&serde_json::to_string(&other).unwrap_or_default())),
                }
            }
            handle.stop();
            if json_out {
                confirm(
                    &json!({ "event": "summary", "swipes": taken, "by_status": counts }).to_string(),
                    &view,
                );
            }
            Ok(Reply::new(serde_json::Value::Null, format!("共 {taken} 次刷卡")))
        }
        SwipeCommand::Import { file, project, format } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            // Vendor terminals on Chinese Windows export GBK; decode that when it is not UTF-8.
            let text = match String::from_utf8(bytes) {
                Ok(t) => t,
                Err(e) => encoding_rs::GB18030.decode(e.as_bytes()).0.into_owned(),
            };
            let parsed = logfile::parse(&text, format.parse()?);
            if !parsed.errors.is_empty() {
                let errors: Vec<_> = parsed
                    .errors
                    .iter()
                    .map(|e| json!({ "line": e.line, "code": e.code, "reason": e.message }))
                    .collect();
                let text = parsed
                    .errors
                    .iter()
                    .map(|e| format!("第 {} 行：{}", e.line, e.message))
                    .collect::<Vec<_>>()
                    .join("\n");
                return Ok(Reply {
                    json: json!({ "imported": 0, "rejected": errors }),
                    text: format!("文件有 {} 行错误，未导入任何记录：\n{text}", parsed.errors.len()),
                    failed: true,
                });
            }
            let (desk, actor) = ctx.actor()?;
            let project_id = project_id(desk, project.as_deref())?;
            let mut by_device: std::collections::BTreeMap<String, Vec<logfile::LogSwipe>> =
                Default::default();
            for s in parsed.swipes {
                by_device.entry(s.device_id.clone()).or_default().push(s);
            }
            let mut total = swipes::BatchOutcome::default();
            for (device, rows) in by_device {
                let t = terminals::ensure(
                    desk,
                    &actor,
                    "import",
                    &format!("导入 {device}"),
                    Some(&format!("log:{device}")),
                )?;
                let inputs = rows
                    .into_iter()
                    .map(|s| SwipeInput {
                        terminal_id: t.id.clone(),
                        // Logs without sequence numbers get one derived from (time, card), so
                        // importing the same file twice adds nothing.
                        terminal_seq: Some(s.seq.map(i64::from).unwrap_or_else(|| derived_seq(&s))),
                        source: SwipeSource::Import,
                        card_key: s.card_key,
                        raw: Some(s.card_raw.into_bytes()),
                        device_time: Some(s.time),
                        clock_offset_ms: None,
                        project_id: project_id.clone(),
                    })
                    .collect();
                let out =
                    swipes::ingest_batch(desk, &actor, &t.id, inputs, None, DuplicatePolicy::default())?;
                total.recorded += out.recorded;
                total.already_present += out.already_present;
                total.accepted += out.accepted;
                total.duplicates += out.duplicates;
                total.unknown_cards += out.unknown_cards;
            }
            Ok(Reply::new(
                json!({ "imported": total.recorded, "already_present": total.already_present, "outcome": to_json(&total), "rejected": [] }),
                format!(
                    "导入 {} 条（有效 {}，重复 {}，未知卡 {}），已存在 {} 条",
                    total.recorded,
                    total.accepted,
                    total.duplicates,
                    total.unknown_cards,
                    total.already_present
                ),
            ))
        }
        SwipeCommand::List { project, card, limit } => {
            let (desk, _) = ctx.actor()?;
            let project_id = project_id(desk, project.as_deref())?;
            let list =
                swipes::list(desk, &SwipeFilter { project_id, terminal_id: None, card_key: card, limit })?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        s.swiped_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                        s.card_key.clone(),
                        s.status.label_zh().into(),
                        s.source.label_zh().into(),
                    ]
                })
                .collect();
            Ok(Reply::new(
                json!({ "swipes": to_json(&list), "count": list.len() }),
                table::render(&["时间", "卡", "结果", "来源"], &rows),
            ))
        }
    }
}

fn derived_seq(s: &logfile::LogSwipe) -> i64 {
    // FNV-1a: stable across builds (std's hasher is not guaranteed to be).
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{}|{}", s.time, s.card_key).bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 1) as i64 | (1 << 62)
}

pub fn run_terminal(ctx: &mut Context, cmd: TerminalCommand) -> Result<Reply> {
    match cmd {
        TerminalCommand::List => {
            let (desk, _) = ctx.actor()?;
            let list = terminals::list(desk)?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|t| {
                    vec![
                        t.name.clone(),
                        t.kind.clone(),
                        t.last_seq.to_string(),
                        t.clock_offset_ms.map(|o| format!("{o} ms")).unwrap_or_default(),
                    ]
                })
                .collect();
            Ok(Reply::new(
                json!({ "terminals": to_json(&list) }),
                table::render(&["终端", "类型", "已收到序号", "时钟偏差"], &rows),
            ))
        }
        TerminalCommand::Pull { port, baud, project, keep } => {
            let (desk, actor) = ctx.actor()?;
            // Refused before the device is touched (its records are only cleared after commit,
            // but an operator who may not record swipes has no business opening it).
            actor.require(Permission::RecordSwipes)?;
            let project_id = project_id(desk, project.as_deref())?;
            let mut device = StoringTerminal::open(&port, baud)?;
            let info = device.info()?;
            let t = terminals::ensure(
                desk,
                &actor,
                "storing",
                &format!("{} {}", info.model, info.serial),
                Some(&info.serial),
            )?;
            let after = u32::try_from(t.last_seq).unwrap_or(0);
            let pulled = device.pull_all(after)?;
            let offset = actor.now.offset().to_owned();
            let mut unreadable = 0;
            let mut inputs = Vec::with_capacity(pulled.records.len());
            for r in &pulled.records {
                let Some(card_key) = r.card_key() else {
                    unreadable += 1;
                    continue;
                };
                let mut raw = Vec::new();
                r.encode_into(&mut raw);
                inputs.push(SwipeInput {
                    terminal_id: t.id.clone(),
                    terminal_seq: Some(i64::from(r.seq)),
                    source: SwipeSource::Terminal,
                    card_key,
                    raw: Some(raw),
                    device_time: r.device_time_utc().map(|u| u.with_timezone(&offset).naive_local()),
                    clock_offset_ms: None,
                    project_id: project_id.clone(),
                });
            }
            let out = swipes::ingest_batch(
                desk,
                &actor,
                &t.id,
                inputs,
                Some(pulled.clock.offset_ms),
                DuplicatePolicy::default(),
            )?;
            // Clear only what is committed, and only when nothing was left behind.
            let cleared = match (keep, unreadable, pulled.clear_args()) {
                (false, 0, Some((up_to, count))) => device.clear(up_to, count)?,
                _ => 0,
            };
            if unreadable > 0 {
                eprintln!("有 {unreadable} 条记录无法识别卡号，终端上的记录未清除");
            }
            Ok(Reply::new(
                json!({
                    "terminal": to_json(&t), "pulled": pulled.records.len(), "recorded": out.recorded,
                    "already_present": out.already_present, "unreadable": unreadable, "cleared": cleared,
                    "clock_offset_ms": pulled.clock.offset_ms, "outcome": to_json(&out),
                }),
                format!(
                    "从 {} 读取 {} 条，新入库 {} 条（已存在 {}），清除 {} 条，时钟偏差 {} ms",
                    t.name,
                    pulled.records.len(),
                    out.recorded,
                    out.already_present,
                    cleared,
                    pulled.clock.offset_ms
                ),
            ))
        }
    }
}
