//! CME Desk card layer: talks to swipe hardware over serial ports and knows nothing of the
//! database. Codecs are pure and incremental (`codec`); drivers run one thread per port and send
//! `ReaderEvent`s on a channel to the single ingest writer in the core (`driver`); the
//! `terminal` client pulls swipe logs from storing terminals; `sim` plays scripted devices on
//! pseudo-terminal pairs for tests and the `cmedesk sim` command; `logfile` parses the log files
//! vendor terminals export.
//!
//! # Wiring a live reader to the ingest writer
//!
//! ```no_run
//! use cmedesk_cards::{PortLocator, ReaderConfig, ReaderEvent, ReaderHandle, ReaderKind};
//! let (tx, rx) = std::sync::mpsc::channel();
//! let cfg = ReaderConfig::new("kiosk-1", ReaderKind::Sam, PortLocator::Path("/dev/ttyUSB0".into()));
//! let reader = ReaderHandle::spawn(cfg, tx)?; // dropping it stops the thread
//! for ev in rx {
//!     match ev {
//!         // Commit (card_key, raw, reader_id, host time) first; confirm to the person after.
//!         ReaderEvent::Card(read) => { let _ = (read.card_key, read.raw, read.frame_end); }
//!         ReaderEvent::Status { .. } | ReaderEvent::Rejected { .. } => {}
//!     }
//! }
//! # drop(reader);
//! # Ok::<(), cmedesk_cards::CardsError>(())
//! ```
//!
//! Storing terminals: [`StoringTerminal::pull_all`] from 0 → commit every record idempotently
//! on (terminal id, seq) with the clock offset → [`StoringTerminal::clear`] with
//! [`terminal::Pulled::clear_args`]; see `schema/protocols/storing-terminal.md`.

pub mod card;
pub mod codec;
pub mod driver;
pub mod error;
pub mod id_number;
pub mod logfile;
pub mod ports;
pub mod sim;
pub mod terminal;

pub use card::{CardRead, IdCardHolder, IdCardType, ReaderKind};
pub use driver::{ReaderConfig, ReaderEvent, ReaderHandle, ReaderStatus};
pub use error::{CardsError, DecodeError};
pub use ports::{PortInfo, PortLocator, list_ports};
pub use terminal::StoringTerminal;
