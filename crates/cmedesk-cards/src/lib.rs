//! CME Desk card layer: talks to swipe hardware over serial ports and knows nothing of the
//! database. Codecs are pure and incremental (`codec`); drivers run one thread per port and send
//! `ReaderEvent`s on a channel to the single ingest writer in the core (`driver`); the
//! `terminal` client pulls swipe logs from storing terminals; `sim` plays scripted devices on
//! pseudo-terminal pairs for tests and the `cmedesk sim` command; `logfile` parses the log files
//! vendor terminals export.

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
