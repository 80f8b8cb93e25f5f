//! 科室 commands: list, add, rename, move / order. Each is a call into `cmedesk_core::departments`.

use cmedesk_core::departments::{self, Department, NewDepartment};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_departments(state: State<'_, AppState>) -> ApiResult<Vec<Department>> {
    state.read(|desk, _| Ok(departments::list(desk)?))
}

#[tauri::command]
pub async fn create_department(
    state: State<'_, AppState>,
    name: String,
    parent_id: Option<String>,
) -> ApiResult<Department> {
    state.write(|desk, actor| {
        Ok(departments::add(desk, actor, NewDepartment { name, parent_id, sort: None })?)
    })
}

#[tauri::command]
pub async fn rename_department(
    state: State<'_, AppState>,
    id: String,
    name: String,
) -> ApiResult<Department> {
    state.write(|desk, actor| Ok(departments::rename(desk, actor, &id, &name)?))
}

/// `position` is the index among the new siblings; the core renumbers them.
#[tauri::command]
pub async fn move_department(
    state: State<'_, AppState>,
    id: String,
    parent_id: Option<String>,
    position: i64,
) -> ApiResult<Department> {
    state.write(|desk, actor| {
        Ok(departments::move_to(desk, actor, &id, parent_id.as_deref(), Some(position))?)
    })
}
