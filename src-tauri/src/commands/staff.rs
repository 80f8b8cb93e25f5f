//! 人员 commands: roster list, add / edit, transfer, status change, detail with history.

use chrono::NaiveDate;
use cmedesk_core::staff::{
    self, NewStaff, Staff, StaffDetail, StaffEdit, StaffFilter, StaffRow, StaffStatus,
};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

/// The whole (filtered) roster: the UI keeps it in memory and searches as the officer types.
#[tauri::command]
pub async fn list_staff(state: State<'_, AppState>, filter: Option<StaffFilter>) -> ApiResult<Vec<StaffRow>> {
    let filter = filter.unwrap_or_default();
    state.read(|desk, _| Ok(staff::list(desk, &filter)?))
}

#[tauri::command]
pub async fn staff_detail(state: State<'_, AppState>, id: String) -> ApiResult<StaffDetail> {
    state.read(|desk, _| Ok(staff::detail(desk, &id)?))
}

#[tauri::command]
pub async fn create_staff(state: State<'_, AppState>, input: NewStaff) -> ApiResult<Staff> {
    state.write(|desk, actor| Ok(staff::add(desk, actor, input)?))
}

#[tauri::command]
pub async fn update_staff(state: State<'_, AppState>, id: String, edit: StaffEdit) -> ApiResult<Staff> {
    state.write(|desk, actor| Ok(staff::update(desk, actor, &id, edit)?))
}

#[tauri::command]
pub async fn transfer_staff(
    state: State<'_, AppState>,
    id: String,
    to_department_id: String,
    effective_on: NaiveDate,
    reason: Option<String>,
) -> ApiResult<Staff> {
    state.write(|desk, actor| {
        Ok(staff::transfer(desk, actor, &id, &to_department_id, effective_on, reason.as_deref())?)
    })
}

#[tauri::command]
pub async fn change_staff_status(
    state: State<'_, AppState>,
    id: String,
    status: StaffStatus,
    effective_on: NaiveDate,
    reason: Option<String>,
) -> ApiResult<Staff> {
    state.write(|desk, actor| {
        Ok(staff::set_status(desk, actor, &id, status, effective_on, reason.as_deref())?)
    })
}
