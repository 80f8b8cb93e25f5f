//! CME Desk core (继教学分管理台 核心): the domain, its rules and the SQLite store.
//!
//! The core knows nothing of Tauri, HTTP, serial ports, PDF or XLSX; adapters live in their own
//! crates and call in here. Every mutation is a module function taking the [`store::Desk`] and an
//! [`actor::Actor`] (who acts, and when: the core never reads the clock), and goes through
//! [`store::Desk::change`], which writes the domain rows, an [`audit_log`] row and an [`outbox`]
//! row in one SQLite transaction.

pub mod actor;
pub mod annual_review;
pub mod approved_projects;
pub mod audit_log;
pub mod backup;
pub mod booklet;
pub mod cards;
pub mod db_key;
pub mod departments;
pub mod error;
pub mod header_mappings;
pub mod id_number;
pub mod kiosk;
pub mod os_keyring;
pub mod outbox;
pub mod printouts;
pub mod privacy;
pub mod projects;
pub mod rekey;
pub mod session;
pub mod staff;
pub mod statement;
pub mod statement_issues;
pub mod store;
pub mod swipes;
pub mod sync;
pub mod synthetic;
pub mod terminals;
pub mod users;

// Credits engine: rule sets, attendance analysis, granting, remote learning, manual credits,
// compliance and forecast.
pub mod attendance;
pub mod compliance;
pub mod credits;
pub mod forecast;
pub mod grant;
pub mod manual_credits;
pub mod remote_learning;
pub mod rules;
pub mod self_service;

mod sql;

pub use actor::{Actor, Operator, Permission, Role};
pub use error::{CoreError, Result};
pub use store::Desk;
