//! CME Desk core: the domain, its rules and the SQLite store. Being written.

pub mod credits;
pub mod rules;
pub mod attendance;
pub mod grant;
pub mod remote_learning;
pub mod manual_credits;
