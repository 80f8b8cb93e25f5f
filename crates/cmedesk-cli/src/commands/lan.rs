//! `lan serve`: start the staff self-service (局域网自助服务) for one project on the address
//! the officer chooses — QR check-in with the kiosk page, and "my credits". It runs only while
//! this command runs; the operator who starts it signs the check-ins.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use cmedesk_core::projects;
use cmedesk_lan::clock::{Clock, RunningClock};
use cmedesk_lan::statement::KeySigner;
use cmedesk_lan::{LanConfig, Parts};
use serde_json::json;

use crate::context::{Context, Reply};

#[derive(Subcommand)]
pub enum LanCommand {
    /// Serve QR check-in and "my credits" over HTTPS on the chosen LAN address (Ctrl-C stops it)
    Serve(ServeArgs),
}

#[derive(Args)]
pub struct ServeArgs {
    /// The LAN address to bind, e.g. 192.168.1.20:8443 (port 0 picks a free one). Only this
    /// address is bound, never all interfaces.
    #[arg(long)]
    listen: SocketAddr,
    /// Project code or id whose attendance is taken
    #[arg(long)]
    project: String,
    /// Head-count cap per attendance window
    #[arg(long)]
    cap: Option<u32>,
    /// The QR code changes every this many seconds
    #[arg(long, default_value_t = 10)]
    rotate_secs: i64,
    /// Seconds a phone has to submit the form after scanning
    #[arg(long, default_value_t = 180)]
    ticket_secs: i64,
    /// Requests per device per minute
    #[arg(long, default_value_t = 30)]
    device_limit: u32,
    /// The address phones reach this computer by, when not the listen address (e.g. a name)
    #[arg(long)]
    public_url: Option<String>,
    /// Folder for the certificate, token secret and request log [default: next to the database]
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

pub fn run(ctx: &mut Context, cmd: LanCommand) -> Result<Reply> {
    match cmd {
        LanCommand::Serve(a) => serve(ctx, a),
    }
}

fn serve(ctx: &mut Context, a: ServeArgs) -> Result<Reply> {
    let (desk, actor) = ctx.actor()?;
    // Every check-in is a swipe signed by this operator: refuse before binding anything.
    actor.require(cmedesk_core::Permission::RecordSwipes)?;
    let project = projects::resolve(desk, &a.project)?;
    let db = ctx.db_path()?;
    let state_dir = match a.state_dir {
        Some(d) => d,
        None => db.parent().map(|p| p.join("lan")).unwrap_or_else(|| PathBuf::from("lan")),
    };
    let names = vec!["localhost".to_string(), a.listen.ip().to_string()];
    let identity = cmedesk_lan::identity::load_or_create(&state_dir, &names)?;
    // The clock runs on from CMEDESK_NOW when it is set, so tokens still rotate.
    let clock: Arc<dyn Clock> = match std::env::var("CMEDESK_NOW") {
        Ok(_) => Arc::new(RunningClock::starting_at(crate::context::clock_now()?)),
        Err(_) => Arc::new(RunningClock::system()),
    };
    let fonts = cmedesk_print::discover(None).ok();
    let mut config = LanConfig::new(a.listen, project.id.clone());
    config.cap = a.cap;
    config.rotate_secs = a.rotate_secs.max(1);
    config.ticket_secs = a.ticket_secs.max(10);
    config.device_limit.max = a.device_limit.max(1);
    config.public_url = a.public_url;
    let parts = Parts {
        desk: cmedesk_core::Desk::open(&db)?,
        operator: actor.operator.clone(),
        clock,
        identity,
        // The installation's statement key, the one `cmedesk statement` signs with.
        statement_signer: Arc::new(KeySigner::new(
            cmedesk_print::signing_key::load_or_create(&cmedesk_print::signing_key::default_path(&db))?.0,
        )),
        fonts,
        access_log: Some(state_dir.join("lan-access.log")),
    };
    let log_path = state_dir.join("lan-access.log");
    let json_out = ctx.args.json;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async move {
        let running = cmedesk_lan::start(config, parts).await?;
        let info = json!({
            "url": running.base_url, "addr": running.addr.to_string(), "kiosk_url": running.kiosk_url,
            "fingerprint": running.fingerprint, "project": running.project.code,
            "terminal_id": running.terminal_id, "access_log": log_path,
        });
        if json_out {
            println!("{info}");
        } else {
            println!(
                "局域网自助服务已启动：{}\n项目：{} {}\n签到大屏（本机可直接打开 /kiosk）：{}\n我的学分：{}/me\n证书指纹 SHA-256：{}\n访问日志：{}\n按 Ctrl-C 停止。",
                running.base_url,
                running.project.code,
                running.project.name,
                running.kiosk_url,
                running.base_url,
                running.fingerprint,
                log_path.display()
            );
        }
        use std::io::Write as _;
        std::io::stdout().flush()?;
        tokio::select! {
            r = running.task => { r.context("service task")??; }
            _ = tokio::signal::ctrl_c() => {}
        }
        anyhow::Ok(())
    })?;
    Ok(Reply::new(serde_json::Value::Null, "局域网自助服务已停止"))
}
