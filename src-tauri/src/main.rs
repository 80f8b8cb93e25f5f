//! Binary entry point of the desktop app; everything lives in the library so tests can reach it.
// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // Before anything starts a thread or GTK: may re-execute the binary (see memory.rs).
    cmedesk_desktop::memory::tune_process();
    cmedesk_desktop::run();
}
