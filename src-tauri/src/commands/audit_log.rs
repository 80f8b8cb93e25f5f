//! 操作日志 commands: list with filters, verify the hash chain.

use cmedesk_core::audit_log::{self, ChainReport, Entry, Filter};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_audit_log(state: State<'_, AppState>, filter: Filter) -> ApiResult<Vec<Entry>> {
    state.read(|desk, _| Ok(audit_log::list(desk, &filter)?))
}

#[tauri::command]
pub async fn verify_audit_chain(state: State<'_, AppState>) -> ApiResult<ChainReport> {
    state.read(|desk, _| Ok(audit_log::verify(desk)?))
}
