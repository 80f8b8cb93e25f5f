//! `init` and `demo`: a new desk database, and the synthetic demo hospital.

use anyhow::Result;
use clap::Args;
use cmedesk_core::{Actor, Desk, synthetic, users};
use serde_json::json;

use crate::context::{Context, Reply, to_json};

#[derive(Args)]
pub struct InitArgs {}

#[derive(Args)]
pub struct DemoArgs {
    /// The generator's seed (the same seed gives the same hospital)
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many staff to generate
    #[arg(long, default_value_t = 2000)]
    staff: usize,
    /// Also give every person this many synthetic (imported, approved) credits...
    #[arg(long, default_value_t = 0)]
    credits_per_person: usize,
    /// ...in this CME year [default: the current year]
    #[arg(long)]
    credits_year: Option<i32>,
}

/// The admin password a fresh demo database gets when none is given.
pub const DEMO_PASSWORD: &str = "demo1234";

pub fn init(ctx: &mut Context, _args: InitArgs) -> Result<Reply> {
    let path = ctx.db_path()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let password = ctx.password("新管理员 admin 的密码: ")?;
    let now = ctx.now()?;
    let mut desk = Desk::create(&path)?;
    if let Err(e) = users::bootstrap_admin(&mut desk, &password, now) {
        // Leave no half-initialised database behind.
        drop(desk);
        for suffix in ["", "-wal", "-shm", ".key"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        return Err(e.into());
    }
    let key_file = cmedesk_core::db_key::key_path(&path);
    let protection = desk.protection();
    let how = match protection {
        Some(cmedesk_core::db_key::Protection::Passphrase) => "已用管理员口令（CMEDESK_DB_PASSPHRASE）保护",
        Some(cmedesk_core::db_key::Protection::Keyring) => "密钥存于系统钥匙串，密钥文件只记其位置",
        _ if ctx.unlock().keyring => {
            "系统钥匙串不可用（无桌面会话或已锁定），密钥改存于密钥文件、未设口令；可用 cmedesk rekey 设置口令"
        }
        _ => "未设口令：能读取密钥文件者即可打开数据库，可用 cmedesk rekey 设置口令",
    };
    Ok(Reply::new(
        json!({ "db": path, "site_id": desk.site_id(), "admin": "admin", "encrypted": protection.is_some(),
                "key_file": key_file, "protection": protection }),
        format!(
            "已创建加密数据库 {}\n数据密钥在 {}（{how}）\n管理员用户名: admin",
            path.display(),
            key_file.display()
        ),
    ))
}

pub fn demo(ctx: &mut Context, args: DemoArgs) -> Result<Reply> {
    let path = ctx.db_path()?;
    let mut created = None;
    if !path.exists() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let password = ctx.args.password.clone().unwrap_or_else(|| DEMO_PASSWORD.to_string());
        let mut desk = Desk::create(&path)?;
        users::bootstrap_admin(&mut desk, &password, ctx.now()?)?;
        ctx.args.password = Some(password.clone());
        ctx.set_desk(desk);
        created = Some(password);
    }
    let (desk, actor): (&mut Desk, Actor) = ctx.actor()?;
    let started = std::time::Instant::now();
    let hospital = synthetic::generate(args.seed, args.staff, actor.today());
    let report = synthetic::load(desk, &actor, &hospital)?;
    let mut credits = 0;
    if args.credits_per_person > 0 {
        use chrono::Datelike;
        let year = args.credits_year.unwrap_or_else(|| actor.today().year());
        let book = cmedesk_core::rules::RuleBook::embedded().map_err(cmedesk_core::CoreError::from)?;
        let rule_set = book.national_for_year(year).map_err(cmedesk_core::CoreError::from)?.id.clone();
        let ids: Vec<String> =
            cmedesk_core::staff::list(desk, &Default::default())?.into_iter().map(|r| r.staff.id).collect();
        let records = synthetic::credit_records(&ids, year, &rule_set, args.credits_per_person, args.seed);
        credits = cmedesk_core::credits::store::record_credits(desk, &actor, &book, &records)?.inserted;
    }
    let ms = started.elapsed().as_millis();
    let mut text = format!(
        "已载入演示医院：{} 个科室，{} 名人员（{} 张卡），{} 个已批准项目，{} 个举办项目，{credits} 条学分（{ms} ms）",
        report.departments, report.staff, report.cards, report.approved_projects, report.projects
    );
    if let Some(pw) = &created {
        text.push_str(&format!(
            "\n新数据库 {}（已加密，数据密钥在 {}），管理员 admin，密码 {pw}",
            path.display(),
            cmedesk_core::db_key::key_path(&path).display()
        ));
    }
    Ok(Reply::new(
        json!({ "db": path, "loaded": to_json(&report), "credits": credits, "elapsed_ms": ms, "created": created.is_some() }),
        text,
    ))
}
