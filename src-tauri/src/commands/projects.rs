//! 项目 commands: the approved list, hosted projects created from it, their courses, holding
//! periods, attendance windows and state changes.

use chrono::{NaiveDate, NaiveDateTime};
use cmedesk_core::approved_projects::{self, ApprovedFilter, ApprovedProjectRow};
use cmedesk_core::projects::{
    self, AttendanceWindow, Course, HoldingPeriod, NewCourse, Project, ProjectAction, ProjectDetail,
    ProjectDetails, ProjectFilter,
};
use tauri::State;

use crate::error::ApiResult;
use crate::state::AppState;

#[tauri::command]
pub async fn list_approved_projects(
    state: State<'_, AppState>,
    filter: Option<ApprovedFilter>,
) -> ApiResult<Vec<ApprovedProjectRow>> {
    let filter = filter.unwrap_or_default();
    state.read(|desk, _| Ok(approved_projects::list(desk, &filter)?))
}

#[tauri::command]
pub async fn list_projects(
    state: State<'_, AppState>,
    filter: Option<ProjectFilter>,
) -> ApiResult<Vec<Project>> {
    let filter = filter.unwrap_or_default();
    state.read(|desk, _| Ok(projects::list(desk, &filter)?))
}

#[tauri::command]
pub async fn project_detail(state: State<'_, AppState>, id: String) -> ApiResult<ProjectDetail> {
    state.read(|desk, _| Ok(projects::detail(desk, &id)?))
}

/// The approved entry is chosen from the list (by id), never typed.
#[tauri::command]
pub async fn create_project(
    state: State<'_, AppState>,
    approved_project_id: String,
    details: ProjectDetails,
) -> ApiResult<Project> {
    state.write(|desk, actor| Ok(projects::create(desk, actor, &approved_project_id, details)?))
}

#[tauri::command]
pub async fn update_project(
    state: State<'_, AppState>,
    id: String,
    details: ProjectDetails,
) -> ApiResult<Project> {
    state.write(|desk, actor| Ok(projects::update(desk, actor, &id, details)?))
}

#[tauri::command]
pub async fn transition_project(
    state: State<'_, AppState>,
    id: String,
    action: ProjectAction,
    reason: Option<String>,
) -> ApiResult<Project> {
    state.write(|desk, actor| Ok(projects::transition(desk, actor, &id, action, reason.as_deref())?))
}

#[tauri::command]
pub async fn add_course(
    state: State<'_, AppState>,
    project_id: String,
    course: NewCourse,
) -> ApiResult<Course> {
    state.write(|desk, actor| Ok(projects::add_course(desk, actor, &project_id, course)?))
}

#[tauri::command]
pub async fn add_holding_period(
    state: State<'_, AppState>,
    project_id: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> ApiResult<HoldingPeriod> {
    state.write(|desk, actor| Ok(projects::add_holding_period(desk, actor, &project_id, starts_on, ends_on)?))
}

#[tauri::command]
pub async fn add_attendance_window(
    state: State<'_, AppState>,
    project_id: String,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    label: Option<String>,
) -> ApiResult<AttendanceWindow> {
    state.write(|desk, actor| {
        Ok(projects::add_attendance_window(desk, actor, &project_id, starts_at, ends_at, label.as_deref())?)
    })
}
