//! What a reader produces: one `CardRead` per card presentation, with the canonical card key
//! (`rid:<ID number>`, `em:<hex>`, `uid:<hex>`) the roster maps to staff, and the raw bytes kept
//! for the swipe row. The ID card photo is never part of it.

use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Which kind of reader produced a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReaderKind {
    /// Resident ID card reader speaking the SAM protocol.
    Sam,
    /// 125 kHz EM4100 reader in RDM6300 framing.
    Em4100,
    /// Reader that prints card numbers as text lines.
    Ascii,
}

impl ReaderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sam => "sam",
            Self::Em4100 => "em4100",
            Self::Ascii => "ascii",
        }
    }
}

impl std::str::FromStr for ReaderKind {
    type Err = crate::CardsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sam" => Ok(Self::Sam),
            "em4100" => Ok(Self::Em4100),
            "ascii" => Ok(Self::Ascii),
            other => Err(crate::CardsError::Config {
                field: "reader",
                detail: format!("unknown reader kind {other:?} (sam, em4100, ascii)"),
            }),
        }
    }
}

/// Card type flagged by byte 248 of the ID card text block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdCardType {
    /// 居民身份证 (byte 248 is a space or zero).
    Resident,
    /// 港澳台居民居住证 (byte 248 = `J`).
    HkMacaoTaiwan,
    /// 外国人永久居留身份证 (byte 248 = `I`), which lays the text block out differently.
    ForeignPermanent,
    /// Any other flag byte, kept so the office can see what the reader said.
    Other(u8),
}

/// The holder fields of an ID card text block (no photo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCardHolder {
    pub card_type: IdCardType,
    pub name: String,
    /// GB/T 2261.1 code: `1` male, `2` female.
    pub sex_code: String,
    /// GB 3304 nation code (two digits); empty on permits.
    pub nation_code: String,
    /// `YYYYMMDD`.
    pub birth: String,
    pub address: String,
    pub id_number: String,
    pub authority: String,
    pub valid_from: String,
    /// `YYYYMMDD` or `长期`.
    pub valid_to: String,
}

/// One card presentation, as the ingest writer receives it. Serializes (for UI events) without
/// `frame_end`, which is a monotonic instant with no meaning outside this process.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardRead {
    /// The reader's configured id (the terminal id in the swipes table).
    pub reader_id: String,
    pub reader: ReaderKind,
    /// Canonical key: `rid:<ID number>`, `em:<10 hex>`, `uid:<hex>`.
    pub card_key: String,
    /// The bytes the card number came from: the EM4100 frame, the ASCII line, or the 256-byte
    /// ID card text block (the photo is discarded before this is built).
    pub raw: Vec<u8>,
    /// When the last byte of the frame that completed the read was received.
    #[serde(skip)]
    pub frame_end: Instant,
    /// Boxed: most reads carry none, and it keeps events small on the channel.
    pub holder: Option<Box<IdCardHolder>>,
}
