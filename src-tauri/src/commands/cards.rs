//! Card commands: issue, replace (old card blocked), revoke (lost).

use cmedesk_core::cards::{self, CardRecord};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn issue_card(
    state: State<'_, AppState>,
    staff_id: String,
    card_key: String,
) -> ApiResult<CardRecord> {
    state.write(|desk, actor| Ok(cards::issue(desk, actor, &staff_id, &card_key)?))
}

#[tauri::command]
pub async fn replace_card(
    state: State<'_, AppState>,
    staff_id: String,
    card_key: String,
    reason: String,
) -> ApiResult<CardRecord> {
    state.write(|desk, actor| Ok(cards::replace(desk, actor, &staff_id, &card_key, &reason)?))
}

#[tauri::command]
pub async fn revoke_card(
    state: State<'_, AppState>,
    card_key: String,
    reason: String,
) -> ApiResult<CardRecord> {
    state.write(|desk, actor| Ok(cards::revoke(desk, actor, &card_key, &reason)?))
}
