//! Tauri commands grouped by domain; each is a few lines into `cmedesk-core`.
pub mod audit_log;
pub mod backup;
pub mod cards;
pub mod credits;
pub mod departments;
pub mod kiosk;
pub mod lan;
pub mod print;
pub mod projects;
pub mod session;
pub mod setup;
pub mod sheets;
pub mod staff;
pub mod sync;
