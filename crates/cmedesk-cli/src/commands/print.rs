//! `booklet`, `statement`, `verify`, `key`: printing from the stored credits (学分登记手册,
//! 学分记录明细表), offline verification of a statement, and the installation's signing key.
//! The core builds the page models and keeps the issue log; `cmedesk-print` draws and verifies.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::{Context as _, Result, anyhow};
use clap::{Args, Subcommand};
use cmedesk_core::printouts::{self, BookletScope};
use cmedesk_core::{Desk, departments, staff, statement_issues};
use cmedesk_print::batch::{BatchMode, BatchOptions, BatchProgress, print_booklets_from};
use cmedesk_print::verify::{self, Verdict};
use cmedesk_print::{FontSpec, Printer, discover, signing_key};
use serde_json::json;

use crate::context::{Context, Reply, to_json};

/// Where fonts and the signing key come from (shared by the printing commands).
#[derive(Args, Debug, Clone)]
pub struct PrintSetup {
    /// CJK font file to draw with, `PATH` or `PATH#FACE` for a .ttc face [default: found on the system]
    #[arg(long, env = "CMEDESK_FONT")]
    font: Option<String>,
}

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("who").required(true).multiple(false)))]
pub struct BookletArgs {
    /// One person (id, ID number or card)
    #[arg(long, group = "who")]
    staff: Option<String>,
    /// A department (name or id) and the departments below it
    #[arg(long, group = "who")]
    department: Option<String>,
    /// Everybody in the hospital
    #[arg(long, group = "who")]
    all: bool,
    /// The CME year
    #[arg(long)]
    year: i32,
    /// Output folder: one PDF per person, `科室_姓名_年度.pdf`
    #[arg(long)]
    out: PathBuf,
    /// Combined PDFs instead, with at most N booklets each
    #[arg(long, value_name = "N")]
    combined: Option<usize>,
    /// Pad each booklet of a combined PDF to an even page count (duplex printing)
    #[arg(long)]
    duplex: bool,
    /// Worker threads [default: one per core]
    #[arg(long, default_value_t = 0)]
    threads: usize,
    #[command(flatten)]
    setup: PrintSetup,
}

#[derive(Args, Debug)]
pub struct StatementArgs {
    /// The person (id, ID number or card)
    #[arg(long)]
    staff: String,
    /// The CME year
    #[arg(long)]
    year: i32,
    /// The PDF file to write
    #[arg(long)]
    out: PathBuf,
    /// Print the full ID number instead of the masked one
    #[arg(long)]
    show_full_id: bool,
    /// The signing key file [default: `statement-signing.key` beside the database]
    #[arg(long, env = "CMEDESK_SIGNING_KEY")]
    key_file: Option<PathBuf>,
    #[command(flatten)]
    setup: PrintSetup,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// A statement PDF, its full `CME1:` code, or its short 验证码
    input: String,
    /// Also trust this exported public key (another desk's); repeatable
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// The signing key file whose public key is trusted [default: beside the database]
    #[arg(long, env = "CMEDESK_SIGNING_KEY")]
    key_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Show the signing key's id and public key (the key is generated on first use)
    Show {
        #[arg(long, env = "CMEDESK_SIGNING_KEY")]
        key_file: Option<PathBuf>,
    },
    /// Write the public key to a file other desks pass to `verify --trust`
    Export {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, env = "CMEDESK_SIGNING_KEY")]
        key_file: Option<PathBuf>,
    },
}

fn font_set(setup: &PrintSetup) -> Result<cmedesk_print::FontSet> {
    let spec = setup.font.as_deref().map(|f| match f.rsplit_once('#') {
        Some((path, face)) if face.parse::<usize>().is_ok() => FontSpec::new(path, face.parse().unwrap_or(0)),
        _ => FontSpec::new(f, 0),
    });
    Ok(discover(spec.as_ref())?)
}

fn key_path(ctx: &Context, key_file: Option<PathBuf>) -> Result<PathBuf> {
    match key_file {
        Some(p) => Ok(p),
        None => Ok(signing_key::default_path(&ctx.db_path()?)),
    }
}

/// Sets `cancel` on the first Ctrl-C; a second one ends the process at once.
fn cancel_on_ctrl_c(cancel: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.store(true, Ordering::SeqCst);
                eprintln!("正在取消：完成手头的手册后停止（再按一次 Ctrl-C 立即退出）");
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        });
    });
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("创建目录 {}", dir.display()))?;
    }
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    std::fs::write(&part, bytes).with_context(|| format!("写入 {}", part.display()))?;
    std::fs::rename(&part, path).with_context(|| format!("写入 {}", path.display()))?;
    Ok(())
}

pub fn booklet(ctx: &mut Context, a: BookletArgs) -> Result<Reply> {
    let json_mode = ctx.args.json;
    let fonts = font_set(&a.setup)?;
    let (desk, _actor) = ctx.actor()?;
    let scope = match (&a.staff, &a.department, a.all) {
        (Some(s), _, _) => BookletScope::Staff(staff::resolve(desk, s)?.staff.id),
        (None, Some(d), _) => BookletScope::Department(departments::resolve(desk, d)?.id),
        (None, None, true) => BookletScope::All,
        _ => return Err(anyhow!("请指定 --staff、--department 或 --all 之一")),
    };
    let batch = printouts::booklet_batch(desk, &scope, a.year)?;
    let total = batch.total();
    let options = BatchOptions {
        out_dir: a.out.clone(),
        mode: match a.combined {
            Some(n) => BatchMode::Combined { max_booklets_per_file: n.max(1) },
            None => BatchMode::PerPerson,
        },
        threads: a.threads,
        pad_to_even: a.duplex,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    cancel_on_ctrl_c(cancel.clone());
    let step = (total / 100).max(1);
    let last = AtomicUsize::new(0);
    let progress = |p: BatchProgress| {
        // Throttled: a line per percent, and the last one.
        let before = last.load(Ordering::Relaxed);
        if p.done / step == before / step && p.done != total {
            return;
        }
        last.store(p.done, Ordering::Relaxed);
        if json_mode {
            eprintln!("{}", json!({ "progress": { "done": p.done, "total": total, "failed": p.failed } }));
        } else {
            eprintln!("进度 {}/{}（失败 {}）", p.done, total, p.failed);
        }
    };
    let started = std::time::Instant::now();
    // Models are read from the database here, on this thread (the connection stays put), and
    // handed to the printing threads through a short queue: memory stays bounded.
    let (report, read_error) = print_booklets_from(&fonts, batch, Some(total), &options, &progress, &cancel)?;
    if let Some(e) = read_error {
        return Err(e.into());
    }
    let ms = started.elapsed().as_millis();
    let cancelled = cancel.load(Ordering::SeqCst) && report.booklets + report.failures.len() < total;
    let failures: Vec<_> = report
        .failures
        .iter()
        .map(|f| json!({ "department": f.department, "name": f.name, "code": f.error.code(), "message": f.error.to_string() }))
        .collect();
    let bytes: u64 = report.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    let mut text = format!(
        "已打印 {} 份学分登记手册（共 {total} 人），{} 个文件，{} KB，{ms} ms → {}",
        report.booklets,
        report.files.len(),
        bytes / 1024,
        a.out.display()
    );
    for f in &report.failures {
        text.push_str(&format!("\n失败：{} {}：{}", f.department, f.name, f.error));
    }
    if cancelled {
        text.push_str("\n已取消：其余人员未打印，已写出的文件都是完整的");
    }
    let mut reply = Reply::new(
        json!({
            "out": a.out,
            "year": a.year,
            "total": total,
            "booklets": report.booklets,
            "files": report.files,
            "bytes": bytes,
            "failures": failures,
            "cancelled": cancelled,
            "elapsed_ms": ms,
        }),
        text,
    );
    reply.failed = cancelled || !report.failures.is_empty();
    Ok(reply)
}

pub fn statement(ctx: &mut Context, a: StatementArgs) -> Result<Reply> {
    let fonts = font_set(&a.setup)?;
    let key_path = key_path(ctx, a.key_file.clone())?;
    let (key, created) = signing_key::load_or_create(&key_path)?;
    let (desk, actor) = ctx.actor()?;
    actor.require(cmedesk_core::Permission::IssueStatements)?;
    let person = staff::resolve(desk, &a.staff)?;
    let st = printouts::statement(desk, &person.staff.id, a.year, a.show_full_id, actor.now)?;
    let code = st.sign(&key)?;
    let bytes = Printer::new(fonts).statement_pdf(&st, &code)?;
    // Logged before the file appears: a statement that exists on disk is always in the log.
    let issue = statement_issues::record(desk, &actor, &person.staff.id, a.year, &st, &code)?;
    write_atomically(&a.out, &bytes)?;
    let text = format!(
        "已出具学分记录明细表 {} → {}\n验证码：{}（{} 项，{} 学分，{} 学时）{}",
        st.name,
        a.out.display(),
        issue.short_code,
        st.rows.len(),
        st.total_credits(),
        st.total_hours(),
        if created { format!("\n已生成本机签名密钥 {}", key_path.display()) } else { String::new() }
    );
    Ok(Reply::new(
        json!({
            "file": a.out,
            "short_code": issue.short_code,
            "code": issue.code,
            "key_id": issue.key_id,
            "key_created": created,
            "rows": st.rows.len(),
            "total_credits": st.total_credits().to_string(),
            "total_hours": st.total_hours().to_string(),
            "issue": to_json(&issue),
        }),
        text,
    ))
}

pub fn verify(ctx: &mut Context, a: VerifyArgs) -> Result<Reply> {
    let mut trusted = Vec::new();
    let own = key_path(ctx, a.key_file.clone())?;
    if own.exists() {
        trusted.push(signing_key::load(&own)?.verifying_key());
    }
    for t in &a.trust {
        trusted.push(signing_key::read_public_key(t)?);
    }
    // The issue log is consulted when this desk's database is at hand; no sign-in is needed
    // to check a printout.
    let db = ctx.db_path()?;
    let desk = if db.exists() { Desk::open(&db).ok() } else { None };
    let v = verify::verify_input(&a.input, &trusted, desk.as_ref());
    let label = match v.verdict {
        Verdict::Genuine => "真实：签名有效，内容与签名一致",
        Verdict::Forged => "伪造：没有可信密钥的有效签名",
        Verdict::Altered => "被篡改：签名真实，但明细表内容与签名不符",
    };
    let mut text = label.to_string();
    if let Some(s) = &v.signed {
        text.push_str(&format!(
            "\n签名内容：{} {}，{} 项，{} 学分，{} 学时，打印于 {}，密钥 {}",
            s.name, s.id_number_shown, s.rows, s.total_credits, s.total_hours, s.printed_at, s.key_id
        ));
    }
    for r in &v.reasons {
        text.push_str(&format!("\n原因 [{}]：{}", r.code, r.message));
    }
    for n in &v.notes {
        text.push_str(&format!("\n注意 [{}]：{}", n.code, n.message));
    }
    let mut reply = Reply::new(to_json(&v), text);
    reply.failed = v.verdict != Verdict::Genuine;
    Ok(reply)
}

pub fn key(ctx: &mut Context, cmd: KeyCommand) -> Result<Reply> {
    let (key_file, out) = match cmd {
        KeyCommand::Show { key_file } => (key_file, None),
        KeyCommand::Export { out, key_file } => (key_file, Some(out)),
    };
    let path = key_path(ctx, key_file)?;
    let (key, created) = signing_key::load_or_create(&path)?;
    let public = key.verifying_key();
    let key_id = signing_key::key_id_hex(&public);
    let public_hex: String = public.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
    if let Some(out) = &out {
        write_atomically(out, signing_key::public_key_text(&public).as_bytes())?;
    }
    let mut text = format!("签名密钥 {}\n密钥编号：{key_id}\n公钥：{public_hex}", path.display());
    if created {
        text.push_str("\n（刚刚生成）");
    }
    if let Some(out) = &out {
        text.push_str(&format!(
            "\n公钥已导出到 {}（交给其他桌面端：cmedesk verify --trust 该文件）",
            out.display()
        ));
    }
    Ok(Reply::new(
        json!({ "key_file": path, "key_id": key_id, "public_key": public_hex, "created": created, "exported": out }),
        text,
    ))
}

#[derive(Args, Debug)]
pub struct UnitArgs {
    /// The new name; without it the current one is shown
    name: Option<String>,
}

pub fn unit(ctx: &mut Context, a: UnitArgs) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    let name = match a.name {
        Some(n) => printouts::set_unit_name(desk, &actor, &n)?,
        None => printouts::unit_name(desk)?,
    };
    let text =
        if name.is_empty() { "未设置单位名称".to_string() } else { format!("单位名称：{name}") };
    Ok(Reply::new(json!({ "unit": name }), text))
}
