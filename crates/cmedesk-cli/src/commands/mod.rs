//! One module per domain; each parses its arguments and makes a few calls into the core.

pub mod audit;
pub mod backup;
pub mod bench;
pub mod bench_booklets;
pub mod card;
pub mod cards;
pub mod credits;
pub mod dept;
pub mod encryption;
pub mod id;
pub mod init;
pub mod lan;
pub mod print;
pub mod project;
pub mod review;
pub mod sheets;
pub mod staff;
pub mod swipes;
pub mod sync;
pub mod user;
