//! 人员 commands: roster list, add / edit, transfer, status change, detail with history.
//! ID numbers leave the shell masked (`1101**********002X`, core `privacy`); the full number only
//! through `reveal_id_number` (permission ViewFullIdNumbers, audited). A full ID number typed in
//! the search box is looked up here (`find_staff_ids`), since the screen holds only masked ones.

use chrono::NaiveDate;
use cmedesk_core::privacy;
use cmedesk_core::staff::{self, NewStaff, Staff, StaffEdit, StaffFilter, StaffRow, StaffStatus};
use serde_json::Value;
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

fn masked(mut s: Staff) -> Staff {
    privacy::mask_staff(&mut s);
    s
}

/// The whole (filtered) roster: the UI keeps it in memory and searches as the officer types.
#[tauri::command]
pub async fn list_staff(state: State<'_, AppState>, filter: Option<StaffFilter>) -> ApiResult<Vec<StaffRow>> {
    let filter = filter.unwrap_or_default();
    let mut rows = state.read(|desk, _| Ok(staff::list(desk, &filter)?))?;
    rows.iter_mut().for_each(privacy::mask_staff_row);
    Ok(rows)
}

/// The ids of the people a typed full ID number or card number finds (the core's search).
#[tauri::command]
pub async fn find_staff_ids(state: State<'_, AppState>, query: String) -> ApiResult<Vec<String>> {
    state.read(|desk, _| Ok(staff::find(desk, &query, 100)?.into_iter().map(|r| r.staff.id).collect()))
}

#[tauri::command]
pub async fn staff_detail(state: State<'_, AppState>, id: String) -> ApiResult<Value> {
    state.read(|desk, _| Ok(privacy::masked_json(&staff::detail(desk, &id)?)?))
}

/// 查看完整身份证号: allowed roles only, written to the audit log before it is shown.
#[tauri::command]
pub async fn reveal_id_number(state: State<'_, AppState>, id: String) -> ApiResult<String> {
    state.write(|desk, actor| {
        let person = staff::get(desk, &id)?;
        privacy::reveal(desk, actor, &format!("desktop: staff {}", person.id))?;
        Ok(person.id_number)
    })
}

#[tauri::command]
pub async fn create_staff(state: State<'_, AppState>, input: NewStaff) -> ApiResult<Staff> {
    state.write(|desk, actor| Ok(masked(staff::add(desk, actor, input)?)))
}

#[tauri::command]
pub async fn update_staff(state: State<'_, AppState>, id: String, mut edit: StaffEdit) -> ApiResult<Staff> {
    state.write(|desk, actor| {
        // The form shows the masked number; unchanged, it keeps the stored one.
        edit.id_number = privacy::keep_unless_changed(&staff::get(desk, &id)?.id_number, &edit.id_number);
        Ok(masked(staff::update(desk, actor, &id, edit)?))
    })
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
        Ok(masked(staff::transfer(desk, actor, &id, &to_department_id, effective_on, reason.as_deref())?))
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
        Ok(masked(staff::set_status(desk, actor, &id, status, effective_on, reason.as_deref())?))
    })
}
