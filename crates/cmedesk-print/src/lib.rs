//! CME Desk printing: credit registration booklets (学分登记手册) and signed credit statements
//! (学分记录明细表) as PDF, with CJK font discovery, licence and coverage checks and subset
//! embedding. The core builds the page models (`cmedesk_core::booklet`, `::statement`); this
//! crate only lays them out and draws them.

pub mod batch;
pub mod booklet;
pub mod canvas;
pub mod error;
pub mod flow;
pub mod fonts;
pub mod layout;
pub mod pdftext;
pub mod printer;
pub mod signing_key;
pub mod statement;
pub mod verify;

pub use error::PrintError;
pub use fonts::{FontSet, FontSpec, discover};
pub use printer::Printer;
