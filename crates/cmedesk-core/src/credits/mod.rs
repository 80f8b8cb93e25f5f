//! Credits (学分): the record every credit source produces, its exact amounts and the errors of
//! the credits engine. The engine itself lives in sibling modules: `rules` (rule sets as data),
//! `attendance` (考勤分析), `grant` (授分), `remote_learning`, `manual_credits`, `compliance`
//! and `forecast`.

pub mod amount;
pub mod error;
pub mod project_grant;
pub mod record;
pub mod remote_project;
pub mod store;

pub use amount::Centi;
pub use error::CreditError;
pub use record::{
    CreditClass, CreditRecord, CreditSource, RateSnapshot, ReviewStatus, Subject, deterministic_id,
};
