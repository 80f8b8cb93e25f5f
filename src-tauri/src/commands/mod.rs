//! Tauri commands grouped by domain; each is a few lines into `cmedesk-core`.
pub mod audit_log;
pub mod cards;
pub mod departments;
pub mod kiosk;
pub mod projects;
pub mod session;
pub mod setup;
pub mod staff;
