//! 同步 commands: the desk's sync state for the status bar and the page, server settings, one
//! push+pull round ("立即同步") and the conflict log. The round runs on a thread of its own on a
//! sibling connection of the session's desk ([`Desk::sibling`]: same key, no second open of the
//! file, no second checkpointer), so the session's connection stays free for the officer; the
//! client is `cmedesk-sync`'s; the token is stored with the desk and never sent back to the UI
//! in full (only its last four characters, so an officer can tell which one is set).

use std::time::{Duration, Instant};

use cmedesk_core::sync::{
    conflicts::{self, Resolution, StoredConflict},
    outbox_ops,
};
use cmedesk_core::{Desk, Permission, outbox};
use cmedesk_sync::background::{LoopOptions, LoopStatus, SyncLoop};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, State};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// What the status bar and the 同步 page show.
#[derive(Debug, Clone, Serialize)]
pub struct SyncState {
    pub site_id: String,
    pub server: Option<String>,
    /// `…abcd` when a token is set; never the token.
    pub token_hint: Option<String>,
    pub ca_file: Option<String>,
    pub pending: i64,
    pub acked_through: i64,
    pub cursor: i64,
    pub open_conflicts: i64,
    /// `unconfigured` | `never` | `online` | `offline` | `error`.
    pub state: String,
    pub last_sync_at: Option<String>,
    pub last_error: Option<String>,
    /// When the desk last started again from the server's snapshot (已从服务器重新同步).
    pub last_resync_at: Option<String>,
}

/// What one 立即同步 round did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncNowResult {
    #[serde(flatten)]
    pub report: cmedesk_sync::SyncReport,
    pub millis: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SyncSettings {
    pub server: String,
    /// Empty: keep the stored token.
    pub token: Option<String>,
    /// Empty: no CA file (system roots for https://).
    pub ca_file: Option<String>,
}

fn hint(token: &str) -> String {
    let tail: String = token.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

fn state_of(desk: &Desk) -> ApiResult<SyncState> {
    let (server, token) = outbox_ops::server_settings(desk)?;
    let marks = outbox_ops::load_marks(desk)?;
    let last_sync_at = outbox_ops::setting(desk, "sync.last_at")?;
    let last_error = outbox_ops::setting(desk, "sync.last_error")?.filter(|e| !e.is_empty());
    let last_state = outbox_ops::setting(desk, "sync.last_state")?;
    let state = match (&server, &last_state) {
        (None, _) => "unconfigured".to_string(),
        (Some(_), None) => "never".to_string(),
        (Some(_), Some(s)) => s.clone(),
    };
    Ok(SyncState {
        site_id: desk.site_id().to_string(),
        server,
        token_hint: token.as_deref().map(hint),
        ca_file: outbox_ops::setting(desk, "sync.ca")?.filter(|c| !c.is_empty()),
        pending: outbox::pending_count(desk)?,
        acked_through: marks.acked_through,
        cursor: marks.cursor,
        open_conflicts: conflicts::open_count(desk)?,
        state,
        last_sync_at,
        last_error,
        last_resync_at: cmedesk_core::sync::resync::last_resync(desk)?.map(|r| r.at),
    })
}

#[tauri::command]
pub async fn sync_state(state: State<'_, AppState>) -> ApiResult<SyncState> {
    state.read(|desk, _| state_of(desk))
}

#[tauri::command]
pub async fn sync_save_settings(
    app: AppHandle,
    state: State<'_, AppState>,
    settings: SyncSettings,
) -> ApiResult<SyncState> {
    let saved = save_settings(&state, settings)?;
    restart_background_sync(&app, &state, false)?;
    Ok(saved)
}

fn save_settings(state: &AppState, settings: SyncSettings) -> ApiResult<SyncState> {
    state.write(|desk, actor| {
        actor.require(Permission::ManageUsers)?;
        let server = settings.server.trim();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(ApiError {
                code: "SYNC_SERVER_URL".into(),
                message: "同步服务器地址须以 http:// 或 https:// 开头".into(),
                field: Some("server".into()),
            });
        }
        let token = match settings.token.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.to_string(),
            None => outbox_ops::server_settings(desk)?.1.ok_or_else(|| ApiError {
                code: "SYNC_TOKEN_REQUIRED".into(),
                message: "请填写本机同步令牌（由省级平台登记本机时给出）".into(),
                field: Some("token".into()),
            })?,
        };
        let ca = settings.ca_file.as_deref().map(str::trim).unwrap_or_default();
        if !ca.is_empty() && !std::path::Path::new(ca).is_file() {
            return Err(ApiError {
                code: "SYNC_CA_FILE".into(),
                message: format!("找不到证书文件：{ca}"),
                field: Some("ca_file".into()),
            });
        }
        outbox_ops::remember_server(desk, server, &token)?;
        outbox_ops::remember_setting(desk, "sync.ca", ca)?;
        state_of(desk)
    })
}

/// Seconds between background rounds: `CMEDESK_SYNC_INTERVAL_SECS` (tests), else a minute.
fn interval() -> Duration {
    let secs = std::env::var("CMEDESK_SYNC_INTERVAL_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    Duration::from_secs(secs.max(1))
}

fn client_for(server: &str, token: &str, ca: Option<&str>) -> ApiResult<cmedesk_sync::Client> {
    cmedesk_sync::install_crypto_provider();
    let timeout = Duration::from_secs(20);
    match ca {
        Some(file) => {
            let pem = std::fs::read(file)
                .map_err(|e| ApiError::new("SYNC_CA_FILE", format!("读取证书文件 {file} 失败：{e}")))?;
            cmedesk_sync::Client::with_ca(server, token, timeout, &pem)
        }
        None => cmedesk_sync::Client::new(server, token, timeout),
    }
    .map_err(client_error)
}

/// Starts (or restarts) the background sync when a server is configured, stops it when not.
/// `first_round_now`: at sign-in a round runs at once; after new settings it waits for the
/// button, a local change or the interval. Each round's state goes to the UI as `sync-status`.
pub fn restart_background_sync(app: &AppHandle, state: &AppState, first_round_now: bool) -> ApiResult<()> {
    let (server, token, ca, desk) = {
        let mut session = state.session();
        let desk = state.ensure_open(&mut session)?;
        let (server, token) = outbox_ops::server_settings(desk)?;
        let ca = outbox_ops::setting(desk, "sync.ca")?.filter(|c| !c.is_empty());
        (server, token, ca, desk.sibling()?)
    };
    let (Some(server), Some(token)) = (server, token) else {
        state.replace_sync_loop(None);
        return Ok(());
    };
    let client = client_for(&server, &token, ca.as_deref())?;
    let opts = LoopOptions {
        interval: interval(),
        retry_base: Duration::from_secs(2),
        retry_max: Duration::from_secs(300),
        first_round_after: if first_round_now { Duration::ZERO } else { interval() },
        round: cmedesk_sync::SyncOptions {
            max_attempts: 3,
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..Default::default()
        },
    };
    let app = app.clone();
    // Stop the old loop before the new one starts (never two rounds at once).
    state.replace_sync_loop(None);
    let sync = SyncLoop::start(
        desk,
        client,
        opts,
        || chrono::Local::now().fixed_offset().to_rfc3339(),
        Some(Box::new(move |status: &LoopStatus| {
            let _ = app.emit("sync-status", status);
        })),
    )
    .map_err(|e| ApiError::new("SYNC_FAILED", format!("无法启动后台同步：{e}")))?;
    state.replace_sync_loop(Some(sync));
    Ok(())
}

/// One push+pull round against the configured server, off the UI thread: the background
/// loop's next round (so the button and the loop never run two rounds at once); the loop is
/// started first if it does not run yet.
#[tauri::command]
pub async fn sync_now(app: AppHandle, state: State<'_, AppState>) -> ApiResult<SyncNowResult> {
    state.read(|_, _| Ok(()))?; // signed in
    if state.sync_loop().is_none() {
        restart_background_sync(&app, &state, false)?;
    }
    if let Some(sync) = state.sync_loop() {
        let started = Instant::now();
        let result = tauri::async_runtime::spawn_blocking(move || sync.round_now(Duration::from_secs(300)))
            .await
            .map_err(|e| ApiError::new("SYNC_FAILED", e.to_string()))?;
        let report = result
            .ok_or_else(|| {
                ApiError::new("SYNC_FAILED", "同步未能在 5 分钟内完成，变更已保存在本机，稍后再试")
            })?
            .map_err(client_error)?;
        return Ok(SyncNowResult { report, millis: started.elapsed().as_millis() as u64 });
    }
    Err(ApiError::new("SYNC_NOT_CONFIGURED", "尚未设置同步服务器，请先在下方填写地址和令牌"))
}

/// The client's error as the UI shows it: the network down is "offline", the rest by code.
fn client_error(e: cmedesk_sync::ClientError) -> ApiError {
    match &e {
        cmedesk_sync::ClientError::Transport(_) => ApiError::new(
            "SYNC_OFFLINE",
            "连接不上同步服务器（网络不通或服务器未开），变更已保存在本机，稍后再同步",
        ),
        cmedesk_sync::ClientError::Server { code, message, .. } if code == "UNAUTHORIZED" => {
            let _ = message;
            ApiError::new(
                "SYNC_UNAUTHORIZED",
                "同步服务器不认这台电脑的令牌（可能已被吊销），请向省级平台重新领取",
            )
        }
        cmedesk_sync::ClientError::Server { code, message, .. } if code == "RESYNC_NEEDED" => {
            ApiError::new("SYNC_RESYNC_NEEDED", message.clone())
        }
        other => ApiError::new("SYNC_FAILED", format!("同步失败：{other}")),
    }
}

#[tauri::command]
pub async fn sync_conflicts(state: State<'_, AppState>, all: bool) -> ApiResult<Vec<StoredConflict>> {
    state.read(|desk, _| Ok(conflicts::list(desk, all)?))
}

#[tauri::command]
pub async fn sync_resolve(
    state: State<'_, AppState>,
    id: i64,
    take_loser: bool,
) -> ApiResult<StoredConflict> {
    let how = if take_loser { Resolution::TakeLoser } else { Resolution::KeepWinner };
    state.write(|desk, actor| Ok(conflicts::resolve(desk, actor, id, how)?))
}

#[cfg(test)]
mod tests {
    use super::hint;

    #[test]
    fn the_token_hint_shows_only_the_last_four_characters() {
        assert_eq!(hint("0123456789abcdef"), "…cdef");
        assert_eq!(hint("ab"), "…ab");
    }
}
