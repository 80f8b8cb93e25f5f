//! 局域网自助服务 from the 签到 page: start and stop `cmedesk-lan` (QR check-in and 我的学分 over
//! HTTPS) for one project, the way `cmedesk lan serve` does, inside the app. It runs on the app's
//! async runtime with its own database connection, signed by the operator who started it, until
//! stopped, another one starts, or the app ends.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use cmedesk_core::Permission;
use cmedesk_lan::clock::{Clock, RunningClock};
use cmedesk_lan::statement::KeySigner;
use cmedesk_lan::{LanConfig, Parts};
use serde::Serialize;
use tauri::State;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What the 签到 page shows while the service runs.
#[derive(Debug, Clone, Serialize)]
pub struct LanInfo {
    /// `https://<address>`: the service's root.
    pub url: String,
    /// The door screen (签到大屏) with its key: opens from any device, not just this computer.
    pub kiosk_url: String,
    /// 我的学分, for staff.
    pub me_url: String,
    /// SHA-256 of the certificate, for officers to compare on a phone.
    pub fingerprint: String,
    pub project_code: String,
    pub project_name: String,
}

/// A running service: aborting its task drops the listener, so new connections are refused.
pub struct LanRun {
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    info: LanInfo,
}

impl LanRun {
    pub fn stop(self) {
        self.task.abort();
    }
}

fn failed(e: anyhow::Error) -> ApiError {
    ApiError::new("LAN_START", format!("无法启动局域网自助服务：{e:#}"))
}

/// Starts the service on `listen` (an address of this computer; port 0 picks one) for a project.
#[tauri::command]
pub async fn lan_start(state: State<'_, AppState>, project_id: String, listen: String) -> ApiResult<LanInfo> {
    let listen: SocketAddr = listen.trim().parse().map_err(|_| ApiError {
        field: Some("listen".into()),
        ..ApiError::new("LAN_ADDRESS", "地址格式应为 IP:端口，如 192.168.1.20:8443")
    })?;
    // Every check-in is a swipe signed by this operator: refuse before binding anything.
    let operator = state.write(|desk, actor| {
        actor.require(Permission::RecordSwipes)?;
        cmedesk_core::projects::get(desk, &project_id)?;
        Ok(actor.operator.clone())
    })?;
    if let Some(old) = state.lan().take() {
        old.stop();
    }
    let db: PathBuf = state.db_path().to_path_buf();
    let state_dir = db.parent().map(|p| p.join("lan")).unwrap_or_else(|| PathBuf::from("lan"));
    let names = vec!["localhost".to_string(), listen.ip().to_string()];
    let identity = cmedesk_lan::identity::load_or_create(&state_dir, &names).map_err(failed)?;
    let signing_key =
        cmedesk_print::signing_key::load_or_create(&cmedesk_print::signing_key::default_path(&db))?.0;
    let parts = Parts {
        desk: cmedesk_core::Desk::open(&db)?,
        operator,
        clock: Arc::new(RunningClock::system()) as Arc<dyn Clock>,
        identity,
        statement_signer: Arc::new(KeySigner::new(signing_key)),
        fonts: cmedesk_print::discover(None).ok(),
        access_log: Some(state_dir.join("lan-access.log")),
    };
    let running = cmedesk_lan::start(LanConfig::new(listen, project_id), parts).await.map_err(failed)?;
    let info = LanInfo {
        me_url: format!("{}/me", running.base_url),
        url: running.base_url,
        kiosk_url: running.kiosk_url,
        fingerprint: running.fingerprint,
        project_code: running.project.code,
        project_name: running.project.name,
    };
    // A second start raced this one: the newer service wins, the older stops.
    if let Some(old) = state.lan().replace(LanRun { task: running.task, info: info.clone() }) {
        old.stop();
    }
    Ok(info)
}

#[tauri::command]
pub async fn lan_stop(state: State<'_, AppState>) -> ApiResult<bool> {
    let run = state.lan().take();
    let was_running = run.is_some();
    if let Some(run) = run {
        run.stop();
    }
    Ok(was_running)
}

/// The running service, if any (the page shows it again after navigating away).
#[tauri::command]
pub async fn lan_status(state: State<'_, AppState>) -> ApiResult<Option<LanInfo>> {
    Ok(state.lan().as_ref().filter(|r| !r.task.is_finished()).map(|r| r.info.clone()))
}
