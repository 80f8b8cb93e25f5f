//! CME Desk core: the domain, its rules and the SQLite store. Being written.
pub mod booklet;
pub mod statement;
