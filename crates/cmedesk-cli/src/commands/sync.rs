//! `hub` and `sync`: run the exchange server (数据交换服务器) and see this desk's sync state.
//!
//! `cmedesk hub serve --listen ADDR --db HUB.db` serves the exchange API; `cmedesk hub enrol
//! --db HUB.db --site SITE_ID` enrols a desk and prints its token once; `cmedesk hub new-epoch
//! --db HUB.db` starts a new epoch after the file was restored from a backup; `cmedesk hub admin
//! approve-project | review-decision | remote-credit …` plays the provincial side (see `cmedesk-hub`).
//! `cmedesk sync [--server URL]` pushes then pulls; `cmedesk sync status` shows the desk's site id,
//! what waits in its outbox, its cursor and its last resync (after `410 RESYNC_NEEDED`, `cmedesk
//! sync` starts the desk again from the server's snapshot and reports `"resynced": true`);
//! `cmedesk sync conflicts` / `resolve ID` handle the conflict log.

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow};
use clap::{Args, Subcommand};
use cmedesk_core::{
    CoreError, outbox,
    sync::conflicts::{self, Resolution},
};
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
    NewEpoch(StorageArgs),
    /// Play the provincial side (tests, demos): approve-project | review-decision | remote-credit,
    /// with the arguments of `cmedesk-hub admin`
    Admin(AdminArgs),
}

#[derive(Args)]
pub struct AdminArgs {
    #[command(flatten)]
    storage: StorageArgs,
    /// The command and its arguments, e.g. approve-project --code C --year Y --name N --credits X --hours H
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    args: Vec<String>,
}

/// Where the hub keeps its data: `--db FILE` (SQLite, the default) or `--postgres URL`.
#[derive(Args)]
pub struct StorageArgs {
    /// A PostgreSQL database instead of the `--db` file, e.g. postgres://cmedesk@127.0.0.1/cmedesk
    #[arg(long, env = "CMEDESK_HUB_POSTGRES")]
    postgres: Option<String>,
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8787 (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: String,
    /// Administrator token enabling enrolment over HTTP
    #[arg(long, env = "CMEDESK_HUB_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    #[command(flatten)]
    storage: StorageArgs,
    /// Serve HTTPS with this certificate chain (PEM, leaf first)
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The certificate's private key (PEM)
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
}

#[derive(Args)]
pub struct EnrolArgs {
    /// The desk's site id (`cmedesk sync status` shows it)
    #[arg(long)]
    site: String,
    /// A name for administrators
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    storage: StorageArgs,
}

/// `cmedesk sync [--server URL] [--token T]`: one sync round (push, then pull). The server and
/// token given once are remembered by the desk.
#[derive(Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    command: Option<SyncCommand>,
    #[command(flatten)]
    server: ServerArgs,
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// This desk's site id, pending changes, cursor and open conflicts
    Status,
    /// Push this desk's pending changes only
    Push(ServerArgs),
    /// Fields changed on two desks at once (同步冲突); `--all` includes resolved ones
    Conflicts(ConflictsArgs),
    /// Resolve a conflict: keep the value that won, or take the one that lost
    Resolve(ResolveArgs),
}

#[derive(Args, Clone)]
pub struct ServerArgs {
    /// The exchange server, e.g. http://127.0.0.1:8787 (remembered by the desk)
    #[arg(long, env = "CMEDESK_SYNC_SERVER")]
    server: Option<String>,
    /// This desk's token from `cmedesk hub enrol` (remembered by the desk)
    #[arg(long, env = "CMEDESK_SYNC_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Trust only this CA certificate (PEM) for an https:// server (remembered by the desk)
    #[arg(long, env = "CMEDESK_SYNC_CA")]
    ca: Option<std::path::PathBuf>,
    /// Ops per push request
    #[arg(long, default_value_t = 1000)]
    batch: usize,
}

#[derive(Args)]
pub struct ConflictsArgs {
    /// Include resolved conflicts
    #[arg(long)]
    all: bool,
}

#[derive(Args)]
pub struct ResolveArgs {
    /// The conflict's number (`cmedesk sync conflicts`)
    id: i64,
    /// Write the losing value to the row as a new edit (it then wins on every desk)
    #[arg(long, conflicts_with = "keep")]
    take_loser: bool,
    /// Keep the value that won (the default)
    #[arg(long)]
    keep: bool,
}

fn hub_store(ctx: &Context, storage: &StorageArgs) -> Result<HubStore> {
    if let Some(url) = &storage.postgres {
        return HubStore::open_postgres(url).context("connecting to the hub's PostgreSQL database");
    }
    let path =
        ctx.args.db.clone().ok_or_else(|| anyhow!("--db HUB_DATABASE is required for hub commands"))?;
    HubStore::open(&path).with_context(|| format!("opening hub database {}", path.display()))
}

pub fn run_hub(ctx: &mut Context, cmd: HubCommand) -> Result<Reply> {
    match cmd {
        HubCommand::Serve(a) => {
            let store = hub_store(ctx, &a.storage)?;
            let app = cmedesk_hub::router(store, a.admin_token.as_deref());
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&a.listen)
                    .await
                    .with_context(|| format!("binding {}", a.listen))?;
                println!("listening on {}", listener.local_addr()?);
                match (&a.tls_cert, &a.tls_key) {
                    (Some(cert), Some(key)) => {
                        let config = cmedesk_hub::tls::server_config(cert, key)?;
                        cmedesk_hub::serve_tls(listener, config, app).await?
                    }
                    _ => cmedesk_hub::serve(listener, app).await?,
                }
                anyhow::Ok(())
            })?;
            Ok(Reply::new(json!({}), ""))
        }
        HubCommand::Enrol(a) => {
            let mut store = hub_store(ctx, &a.storage)?;
            let now = ctx.now()?.to_rfc3339();
            let name = a.name.unwrap_or_else(|| a.site.clone());
            let token = store.enrol(&a.site, &name, &now)?;
            Ok(Reply::new(
                json!({"site_id": a.site, "token": token, "epoch": store.epoch()?}),
                format!("已登记 {}（{}）。令牌只显示这一次，请交给该台电脑：\n{token}", a.site, name),
            ))
        }
        HubCommand::NewEpoch(storage) => {
            let mut store = hub_store(ctx, &storage)?;
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
            let epoch = store.new_epoch(now_ms)?;
            Ok(Reply::new(
                json!({"epoch": epoch}),
                format!("新纪元 {epoch}：各台电脑下次同步时会重新推送服务器缺少的变更"),
            ))
        }
        HubCommand::Admin(a) => {
            let mut store = hub_store(ctx, &a.storage)?;
            let out = cmedesk_hub::province::admin(&mut store, &a.args)?;
            let text = match out.get("server_seq").and_then(|v| v.as_i64()) {
                Some(seq) => {
                    format!("已记入交换日志第 {seq} 条（{}）", out["entity"].as_str().unwrap_or_default())
                }
                None => "交换数据中已有此项，未重复记录".to_string(),
            };
            Ok(Reply::new(out, text))
        }
    }
}

/// The server and token: given now (then remembered), or remembered from before.
fn client(ctx: &mut Context, a: &ServerArgs) -> Result<cmedesk_sync::Client> {
    let desk = ctx.desk()?;
    let remembered = cmedesk_core::sync::outbox_ops::server_settings(desk)?;
    let server = a.server.clone().or(remembered.0).ok_or_else(|| {
        anyhow!(CoreError::Required { field: "server", label_zh: "同步服务器地址（--server）" })
    })?;
    let token = a.token.clone().or(remembered.1).ok_or_else(|| {
        anyhow!(CoreError::Required { field: "token", label_zh: "本机同步令牌（--token）" })
    })?;
    if a.server.is_some() || a.token.is_some() {
        cmedesk_core::sync::outbox_ops::remember_server(desk, &server, &token)?;
    }
    let timeout = std::time::Duration::from_secs(60);
    let ca = match &a.ca {
        Some(path) => {
            let path = std::fs::canonicalize(path).with_context(|| format!("CA file {}", path.display()))?;
            cmedesk_core::sync::outbox_ops::remember_setting(desk, "sync.ca", &path.display().to_string())?;
            Some(path)
        }
        None => cmedesk_core::sync::outbox_ops::setting(desk, "sync.ca")?.map(std::path::PathBuf::from),
    };
    Ok(match ca {
        Some(path) => {
            let pem = std::fs::read(&path).with_context(|| format!("reading CA file {}", path.display()))?;
            cmedesk_sync::Client::with_ca(&server, &token, timeout, &pem)?
        }
        None => cmedesk_sync::Client::new(&server, &token, timeout)?,
    })
}

pub fn run_sync(ctx: &mut Context, args: SyncArgs) -> Result<Reply> {
    let Some(cmd) = args.command else {
        let client = client(ctx, &args.server)?;
        let now = ctx.now()?.to_rfc3339();
        let desk = ctx.desk()?;
        let opts = cmedesk_sync::SyncOptions { push_batch: args.server.batch.max(1), ..Default::default() };
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let report = rt.block_on(cmedesk_sync::sync_desk(&client, desk, &opts, &now))?;
        let mut text = format!(
            "已推送 {} 条，已拉取 {} 条，新冲突 {} 个；服务器已确认到本机第 {} 条，本机已应用到第 {} 条",
            report.pushed, report.pulled, report.conflicts, report.acked_through, report.cursor
        );
        if let Some(r) = &report.resync {
            text.push_str(&format!(
                "\n已从服务器重新同步（服务器日志已清理到本机位置之后）：按服务器第 {} 条时的数据更新了 {} 行，保留本机未确认的修改 {} 处",
                r.server_seq, r.rows_written, r.kept_local
            ));
        }
        return Ok(Reply::new(serde_json::to_value(&report)?, text));
    };
    match cmd {
        SyncCommand::Status => {
            let desk = ctx.desk()?;
            let pending = outbox::pending_count(desk)?;
            let last = outbox::last_site_seq(desk)?;
            let marks = cmedesk_core::sync::outbox_ops::load_marks(desk)?;
            let conflicts = conflicts::open_count(desk)?;
            let server = cmedesk_core::sync::outbox_ops::server_settings(desk)?.0;
            let state_hash = cmedesk_core::sync::pull_apply::canonical_hash(desk)?;
            let resynced = cmedesk_core::sync::resync::last_resync(desk)?;
            let mut text = format!(
                "本机标识 {}\n待同步变更 {pending} 条（共 {last} 条），已拉取到第 {} 条，待处理冲突 {conflicts} 个",
                desk.site_id(),
                marks.cursor
            );
            if let Some(r) = &resynced {
                text.push_str(&format!("\n已从服务器重新同步：{}（服务器第 {} 条）", r.at, r.server_seq));
            }
            Ok(Reply::new(
                json!({"site_id": desk.site_id(), "pending": pending, "last_site_seq": last,
                       "acked_through": marks.acked_through, "epoch": marks.epoch,
                       "cursor": marks.cursor, "quarantined_at": marks.quarantined_at,
                       "open_conflicts": conflicts, "server": server, "state_hash": state_hash,
                       "last_resync": resynced}),
                text,
            ))
        }
        SyncCommand::Push(a) => {
            let client = client(ctx, &a)?;
            let now = ctx.now()?.to_rfc3339();
            let desk = ctx.desk()?;
            let opts = cmedesk_sync::SyncOptions { push_batch: a.batch.max(1), ..Default::default() };
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let report = rt.block_on(cmedesk_sync::push_desk(&client, desk, &opts, &now))?;
            let text = format!(
                "已推送 {} 条（重复 {} 条，被拒 {} 条），服务器已确认到第 {} 条",
                report.pushed, report.duplicates, report.rejected, report.acked_through
            );
            Ok(Reply::new(serde_json::to_value(&report)?, text))
        }
        SyncCommand::Conflicts(a) => {
            let list = conflicts::list(ctx.desk()?, a.all)?;
            let mut text = format!("同步冲突 {} 个", list.len());
            for c in &list {
                text.push_str(&format!(
                    "\n#{} {} {} 字段 {}：采用 {}，未采用 {}{}",
                    c.id,
                    c.entity,
                    c.entity_id,
                    c.field,
                    c.winner,
                    c.loser,
                    c.resolution.as_deref().map(|r| format!("（已处理：{r}）")).unwrap_or_default()
                ));
            }
            Ok(Reply::new(serde_json::to_value(&list)?, text))
        }
        SyncCommand::Resolve(a) => {
            let how = if a.take_loser { Resolution::TakeLoser } else { Resolution::KeepWinner };
            let (desk, actor) = ctx.actor()?;
            let c = conflicts::resolve(desk, &actor, a.id, how)?;
            let text = format!("冲突 #{} 已处理（{}）", c.id, how.as_str());
            Ok(Reply::new(serde_json::to_value(&c)?, text))
        }
    }
}
