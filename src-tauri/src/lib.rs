//! CME Desk desktop shell (继教学分管理台 桌面端): Tauri setup, shared state and the command table.
//! The shell holds no SQL and no business rule: every command is a few lines into `cmedesk-core`.

mod commands;
mod error;
mod state;

use std::path::PathBuf;

use tauri::Manager;

pub use error::{ApiError, ApiResult};
pub use state::AppState;

/// Where the desk database lives: `CMEDESK_DB` (tests, portable installs) or the app data dir.
fn database_path(app: &tauri::App) -> Result<PathBuf, tauri::Error> {
    if let Some(p) = std::env::var_os("CMEDESK_DB").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    Ok(app.path().app_data_dir()?.join("cmedesk.db"))
}

pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let path = database_path(app)?;
            app.manage(AppState::new(path));
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::setup::app_info,
            commands::setup::create_database,
            commands::setup::load_demo_hospital,
            commands::setup::cancel_job,
            commands::session::login,
            commands::session::logout,
            commands::session::status_info,
            commands::departments::list_departments,
            commands::departments::create_department,
            commands::departments::rename_department,
            commands::departments::move_department,
            commands::staff::list_staff,
            commands::staff::staff_detail,
            commands::staff::create_staff,
            commands::staff::update_staff,
            commands::staff::transfer_staff,
            commands::staff::change_staff_status,
            commands::cards::issue_card,
            commands::cards::replace_card,
            commands::cards::revoke_card,
            commands::projects::list_approved_projects,
            commands::projects::list_projects,
            commands::projects::project_detail,
            commands::projects::create_project,
            commands::projects::update_project,
            commands::projects::transition_project,
            commands::projects::add_course,
            commands::projects::add_holding_period,
            commands::projects::add_attendance_window,
            commands::audit_log::list_audit_log,
            commands::audit_log::verify_audit_chain,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("CME Desk could not start: {e}");
        std::process::exit(1);
    }
}
