//! 操作日志 commands: list with filters, verify the hash chain. Entries leave with every ID number
//! masked (before → after, entity ids); the chain is verified on the stored rows.

use cmedesk_core::audit_log::{self, ChainReport, Filter};
use cmedesk_core::privacy;
use serde_json::Value;
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_audit_log(state: State<'_, AppState>, filter: Filter) -> ApiResult<Value> {
    state.read(|desk, _| Ok(privacy::masked_json(&audit_log::list(desk, &filter)?)?))
}

#[tauri::command]
pub async fn verify_audit_chain(state: State<'_, AppState>) -> ApiResult<ChainReport> {
    state.read(|desk, _| Ok(audit_log::verify(desk)?))
}
