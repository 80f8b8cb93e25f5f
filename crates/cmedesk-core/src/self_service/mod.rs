//! Staff self-service (自助服务, issue 10): what a staff member may do for themselves from a
//! phone on the hospital network, with no operator at hand. The adapter (`cmedesk-lan`) owns
//! HTTP, tokens and rate limits; the rules live here:
//!
//! * [`identify`] — the ID number plus a second factor the desk knows (the last 4 digits of
//!   the registered phone number, or the staff card number). One refusal for "unknown" and
//!   "wrong factor", so the page cannot be used to probe who is on the roster.
//! * [`check_in`] — a QR check-in (扫码签到) is a swipe like any other (source `qr`), committed
//!   through swipe ingest; refused outside the attendance window, over the head-count cap, or
//!   when the person already checked in during this window.
//! * [`my_credits`] — this year's credits with how compliance counted each one and the gap to
//!   the year's requirement (the statement itself is `printouts::statement`).

mod check_in;
mod identify;
mod my_credits;

pub use check_in::{CheckIn, CheckedIn, check_in, current_window, window_count};
pub use identify::identify;
pub use my_credits::{MyCreditRow, MyCredits, MyGap, my_credits};
