//! CME Desk LAN self-service (局域网自助服务, issue 10): a small HTTPS service an officer starts
//! on the hospital network for one project. Phones scan the kiosk's rotating QR code and check in
//! with their ID number and a second factor; staff look up this year's credits and download a
//! signed statement. The rules are the core's (`cmedesk_core::self_service`); this crate holds
//! the transport: TLS with a per-install certificate, signed tokens, rate limits, pages, the
//! request log.
//!
//! Codemap: `server` (state, router, request log, start), `kiosk`, `checkin`, `me` (routes),
//! `pages` (HTML), `token` (HMAC tokens), `limits`, `identity` (certificate + secret), `tls`
//! (listener), `client` (pinned HTTPS client), `statement` (PDF, swappable signer), `clock`.

pub mod checkin;
pub mod client;
pub mod clock;
pub mod identity;
pub mod kiosk;
pub mod limits;
pub mod me;
pub mod pages;
pub mod server;
pub mod statement;
pub mod tls;
pub mod token;

pub use server::{LanConfig, Parts, Running, start};
