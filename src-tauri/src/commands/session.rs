//! 登录 and the status bar: local operator login, logout, what the status bar shows.

use cmedesk_core::{
    Operator, outbox,
    session::{self, SessionPolicy},
};
use serde::Serialize;
use tauri::State;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[tauri::command]
pub async fn login(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    username: String,
    password: String,
    db_passphrase: Option<String>,
) -> ApiResult<Operator> {
    let operator = sign_in(&state, username, password, db_passphrase)?;
    // Background sync when a server is configured; a failure to start it never blocks sign-in.
    let _ = crate::commands::sync::restart_background_sync(&app, &state, true);
    // 定时备份 from the first sign-in on (its first look is the start's catch-up).
    let _ = crate::commands::backup::start_backup_schedule(&app, &state);
    Ok(operator)
}

fn sign_in(
    state: &AppState,
    username: String,
    password: String,
    db_passphrase: Option<String>,
) -> ApiResult<Operator> {
    let mut session = state.session();
    // A data key wrapped with the admin passphrase (DB_PASSPHRASE_REQUIRED): the login page asks
    // for it once; without it the desk opens from its key file and CMEDESK_DB_PASSPHRASE.
    if let Some(p) = db_passphrase.filter(|p| !p.is_empty())
        && session.desk.is_none()
        && state.db_path().exists()
    {
        let unlock = cmedesk_core::db_key::Unlock::with_passphrase(p);
        session.desk = Some(cmedesk_core::Desk::open_with(state.db_path(), &unlock)?);
    }
    let desk = state.ensure_open(&mut session)?;
    // Through the core's session rules, so repeated failures lock the account here as in the CLI.
    let now = chrono::Local::now().fixed_offset();
    let signed_in = session::sign_in(desk, &username, &password, now, &SessionPolicy::default());
    if let Ok(operator) = &signed_in {
        session.operator = Some(operator.clone());
    }
    drop(session);
    // Signing in reads the newest audit rows (the lockout window): a whole demo load's worth.
    state.after_work();
    Ok(signed_in?)
}

#[tauri::command]
pub async fn logout(state: State<'_, AppState>) -> ApiResult<()> {
    state.session().operator = None;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct StatusInfo {
    pub db_path: String,
    pub operator: Option<Operator>,
    pub pending_outbox: i64,
}

#[tauri::command]
pub async fn status_info(state: State<'_, AppState>) -> ApiResult<StatusInfo> {
    let db_path = state.db_path().display().to_string();
    let mut session = state.session();
    let operator = session.operator.clone();
    let pending_outbox = match state.ensure_open(&mut session) {
        Ok(desk) => outbox::pending_count(desk)?,
        Err(e) if e.code == ApiError::no_database().code => 0,
        Err(e) => return Err(e),
    };
    Ok(StatusInfo { db_path, operator, pending_outbox })
}
