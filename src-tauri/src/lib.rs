//! CME Desk desktop shell (继教学分管理台 桌面端): Tauri setup, shared state and the command table.
//! The shell holds no SQL and no business rule: every command is a few lines into `cmedesk-core`.

mod commands;
mod error;
pub mod memory;
mod scheduler;
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
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let path = database_path(app)?;
            app.manage(AppState::new(path));
            if memory::Trimmer::wanted() {
                let handle = app.handle().clone();
                let trimmer = memory::Trimmer::start(memory::QUIET, move || {
                    handle.state::<AppState>().release_memory();
                });
                app.state::<AppState>().set_trimmer(trimmer);
            }
            if let Some(window) = app.get_webview_window("main") {
                memory::tune_webview(&window);
            }
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
            commands::staff::find_staff_ids,
            commands::staff::reveal_id_number,
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
            commands::kiosk::list_serial_ports,
            commands::kiosk::kiosk_counts,
            commands::kiosk::kiosk_keyboard_swipe,
            commands::kiosk::kiosk_start,
            commands::kiosk::kiosk_stop,
            commands::lan::lan_start,
            commands::lan::lan_stop,
            commands::lan::lan_status,
            commands::credits::analyze_attendance,
            commands::credits::preview_grant,
            commands::credits::grant_credits,
            commands::credits::list_credits,
            commands::credits::rule_set_for_year,
            commands::credits::add_manual_credit,
            commands::credits::submit_manual_credit,
            commands::credits::manual_credit_detail,
            commands::credits::review_credit,
            commands::credits::compliance_report,
            commands::credits::person_credits,
            commands::credits::revoke_credit,
            commands::credits::annual_review_status,
            commands::credits::set_review_deadline,
            commands::credits::annual_review_person,
            commands::credits::mark_for_bureau,
            commands::sync::sync_state,
            commands::sync::sync_save_settings,
            commands::sync::sync_now,
            commands::sync::sync_conflicts,
            commands::sync::sync_resolve,
            commands::print::print_defaults,
            commands::print::print_booklets,
            commands::print::preview_booklet,
            commands::print::print_statement,
            commands::print::verify_statement,
            commands::print::open_printed,
            commands::sheets::list_sheet_templates,
            commands::sheets::preview_sheet,
            commands::sheets::import_sheet,
            commands::sheets::export_sheet,
            commands::backup::list_backups,
            commands::backup::create_backup,
            commands::backup::verify_backup,
            commands::backup::preview_restore,
            commands::backup::restore_backup,
            commands::backup::backup_schedule,
            commands::backup::save_backup_schedule,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("CME Desk could not start: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    //! The webview may call exactly the app's own commands: every registered command has its
    //! `allow-*` permission in the capability file, and the file grants nothing else of ours.
    include!("command_list.rs");

    fn kebab(name: &str) -> String {
        format!("allow-{}", name.replace('_', "-"))
    }

    #[test]
    fn capability_grants_exactly_the_commands() {
        let file = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/capabilities/default.json"))
            .unwrap();
        let json: serde_json::Value = serde_json::from_str(&file).unwrap();
        let granted: Vec<&str> =
            json["permissions"].as_array().unwrap().iter().filter_map(|p| p.as_str()).collect();
        for c in COMMANDS {
            assert!(granted.contains(&kebab(c).as_str()), "{c} is not granted");
        }
        for g in granted.iter().filter(|g| g.starts_with("allow-")) {
            assert!(COMMANDS.iter().any(|c| kebab(c) == *g), "{g} grants no command of ours");
        }
        // Only core event/window permissions and the open/save dialogs besides our own: no fs,
        // shell, http or opener; a dialog hands back a path, our commands decide what to do with it.
        assert!(granted.iter().all(|g| g.starts_with("allow-")
            || g.starts_with("core:event:")
            || g.starts_with("core:window:")
            || ["dialog:allow-open", "dialog:allow-save"].contains(g)));
    }

    #[test]
    fn every_listed_command_is_registered() {
        let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).unwrap();
        let handler = &lib[lib.find("generate_handler![").unwrap()..];
        let handler = &handler[..handler.find("])").unwrap()];
        let registered: Vec<&str> = handler
            .split(',')
            .filter_map(|e| e.trim().rsplit("::").next())
            .filter(|n| !n.is_empty())
            .collect();
        let mut listed: Vec<&str> = COMMANDS.to_vec();
        let mut reg = registered.clone();
        listed.sort_unstable();
        reg.sort_unstable();
        assert_eq!(listed, reg);
    }

    #[test]
    fn csp_allows_no_remote_origin() {
        let conf = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&conf).unwrap();
        let csp = json["app"]["security"]["csp"].as_str().unwrap();
        for part in csp.split_whitespace().map(|p| p.trim_end_matches(';')) {
            assert!(
                !part.starts_with("https:") && !part.starts_with("http://") || part == "http://ipc.localhost",
                "{part} in CSP"
            );
        }
    }
}
