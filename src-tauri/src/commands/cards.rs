//! Card commands: issue, replace (old card blocked), revoke (lost). A `rid:<ID number>` key
//! leaves masked, like every ID number the screen gets.

use cmedesk_core::cards::{self, CardRecord};
use cmedesk_core::privacy::mask_text;
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

fn masked(mut c: CardRecord) -> CardRecord {
    c.card_key = mask_text(&c.card_key);
    c.replaced_by = c.replaced_by.map(|k| mask_text(&k));
    c
}

#[tauri::command]
pub async fn issue_card(
    state: State<'_, AppState>,
    staff_id: String,
    card_key: String,
) -> ApiResult<CardRecord> {
    state.write(|desk, actor| Ok(masked(cards::issue(desk, actor, &staff_id, &card_key)?)))
}

#[tauri::command]
pub async fn replace_card(
    state: State<'_, AppState>,
    staff_id: String,
    card_key: String,
    reason: String,
) -> ApiResult<CardRecord> {
    state.write(|desk, actor| Ok(masked(cards::replace(desk, actor, &staff_id, &card_key, &reason)?)))
}

#[tauri::command]
pub async fn revoke_card(
    state: State<'_, AppState>,
    card_key: String,
    reason: String,
) -> ApiResult<CardRecord> {
    state.write(|desk, actor| Ok(masked(cards::revoke(desk, actor, &card_key, &reason)?)))
}
