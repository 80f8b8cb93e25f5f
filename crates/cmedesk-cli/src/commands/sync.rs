//! `hub` and `sync`: run the exchange server (数据交换服务器) and see this desk's sync state.
//!
//! `cmedesk hub serve --listen ADDR --db HUB.db` serves the exchange API; `cmedesk hub enrol
//! --db HUB.db --site SITE_ID` enrols a desk and prints its token once; `cmedesk hub new-epoch
//! --db HUB.db` starts a new epoch after the file was restored from a backup.
//! `cmedesk sync status` shows the desk's site id and what waits in its outbox.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow};
use clap::{Args, Subcommand};
use cmedesk_core::outbox;
use cmedesk_hub::HubStore;
use serde_json::json;

use crate::context::{Context, Reply};

#[derive(Subcommand)]
pub enum HubCommand {
    /// Serve the exchange API (`--db` is the hub's own database file)
    Serve(ServeArgs),
    /// Enrol a desk and print its token (shown once; stored hashed)
    Enrol(EnrolArgs),
    /// Start a new epoch after restoring the hub database from a backup
    NewEpoch,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8787 (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Administrator token enabling enrolment over HTTP
    #[arg(long, env = "CMEDESK_HUB_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
}

#[derive(Args)]
pub struct EnrolArgs {
    /// The desk's site id (`cmedesk sync status` shows it)
    #[arg(long)]
    site: String,
    /// A name for administrators
    #[arg(long)]
    name: Option<String>,
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// This desk's site id and pending changes
    Status,
    /// Push this desk's pending changes to the exchange server (pulling into the desk comes later)
    Push(PushArgs),
}

#[derive(Args)]
pub struct PushArgs {
    /// The exchange server, e.g. http://127.0.0.1:8787
    #[arg(long, env = "CMEDESK_SYNC_SERVER")]
    server: String,
    /// This desk's token from `cmedesk hub enrol`
    #[arg(long, env = "CMEDESK_SYNC_TOKEN", hide_env_values = true)]
    token: String,
    /// Ops per request
    #[arg(long, default_value_t = 1000)]
    batch: usize,
}

fn hub_store(ctx: &Context) -> Result<HubStore> {
    let path =
        ctx.args.db.clone().ok_or_else(|| anyhow!("--db HUB_DATABASE is required for hub commands"))?;
    HubStore::open(&path).with_context(|| format!("opening hub database {}", path.display()))
}

pub fn run_hub(ctx: &mut Context, cmd: HubCommand) -> Result<Reply> {
    match cmd {
        HubCommand::Serve(a) => {
            let store = hub_store(ctx)?;
            let app = cmedesk_hub::router(store, a.admin_token.as_deref());
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&a.listen)
                    .await
                    .with_context(|| format!("binding {}", a.listen))?;
                println!("listening on {}", listener.local_addr()?);
                cmedesk_hub::serve(listener, app).await?;
                anyhow::Ok(())
            })?;
            Ok(Reply::new(json!({}), ""))
        }
        HubCommand::Enrol(a) => {
            let mut store = hub_store(ctx)?;
            let now = ctx.now()?.to_rfc3339();
            let name = a.name.unwrap_or_else(|| a.site.clone());
            let token = store.enrol(&a.site, &name, &now)?;
            Ok(Reply::new(
                json!({"site_id": a.site, "token": token, "epoch": store.epoch()}),
                format!("已登记 {}（{}）。令牌只显示这一次，请交给该台电脑：\n{token}", a.site, name),
            ))
        }
        HubCommand::NewEpoch => {
            let mut store = hub_store(ctx)?;
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
            let epoch = store.new_epoch(now_ms)?;
            Ok(Reply::new(
                json!({"epoch": epoch}),
                format!("新纪元 {epoch}：各台电脑下次同步时会重新推送服务器缺少的变更"),
            ))
        }
    }
}

pub fn run_sync(ctx: &mut Context, cmd: SyncCommand) -> Result<Reply> {
    match cmd {
        SyncCommand::Status => {
            let desk = ctx.desk()?;
            let pending = outbox::pending_count(desk)?;
            let last = outbox::last_site_seq(desk)?;
            let marks = cmedesk_core::sync::outbox_ops::load_marks(desk)?;
            Ok(Reply::new(
                json!({"site_id": desk.site_id(), "pending": pending, "last_site_seq": last,
                       "acked_through": marks.acked_through, "epoch": marks.epoch,
                       "cursor": marks.cursor, "quarantined_at": marks.quarantined_at}),
                format!("本机标识 {}\n待同步变更 {pending} 条（共 {last} 条）", desk.site_id()),
            ))
        }
        SyncCommand::Push(a) => {
            let now = ctx.now()?.to_rfc3339();
            let desk = ctx.desk()?;
            let client = cmedesk_sync::Client::new(&a.server, &a.token, std::time::Duration::from_secs(60))?;
            let opts = cmedesk_sync::SyncOptions { push_batch: a.batch.max(1), ..Default::default() };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let report = rt.block_on(cmedesk_sync::push_desk(&client, desk, &opts, &now))?;
            let text = format!(
                "已推送 {} 条（重复 {} 条，被拒 {} 条），服务器已确认到第 {} 条",
                report.pushed, report.duplicates, report.rejected, report.acked_through
            );
            Ok(Reply::new(serde_json::to_value(&report)?, text))
        }
    }
}
