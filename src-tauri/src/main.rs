//! Binary entry point of the desktop app; everything lives in the library so tests can reach it.
// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    cmedesk_desktop::run();
}
