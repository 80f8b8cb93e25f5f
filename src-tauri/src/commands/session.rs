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
pub async fn login(state: State<'_, AppState>, username: String, password: String) -> ApiResult<Operator> {
    let mut session = state.session();
    let desk = state.ensure_open(&mut session)?;
    // Through the core's session rules, so repeated failures lock the account here as in the CLI.
    let now = chrono::Local::now().fixed_offset();
    let operator = session::sign_in(desk, &username, &password, now, &SessionPolicy::default())?;
    session.operator = Some(operator.clone());
    Ok(operator)
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
