//! Resident ID card readers (SAM protocol, 二代身份证): frame codec and the 256-byte text block.
//!
//! Frame: `AA AA AA 96 69 | len (2, BE) | payload | xor`; `len` counts payload + checksum, the xor
//! runs over the two length bytes and the payload. Host commands carry `cmd param`; replies carry
//! `SW1 SW2 SW3` (only SW3 is status) and data. The read reply (`30 01`) carries text length,
//! photo length, 256 text bytes and 1024 photo bytes; the photo is wiped and never returned.

use super::{GarbageRun, StreamBuf, find_start};
use crate::card::{IdCardHolder, IdCardType};
use crate::error::{CardsError, DecodeError};
use crate::id_number;

pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];
/// Largest `len` accepted; the biggest real reply (text + photo + fingerprint) is 2,321 bytes.
pub const MAX_LEN: usize = 4096;

pub const CMD_STATUS: [u8; 2] = [0x11, 0xFF];
pub const CMD_SAM_ID: [u8; 2] = [0x12, 0xFF];
pub const CMD_FIND: [u8; 2] = [0x20, 0x01];
pub const CMD_SELECT: [u8; 2] = [0x20, 0x02];
pub const CMD_READ: [u8; 2] = [0x30, 0x01];

/// SW3 values.
pub const SW_OK: u8 = 0x90;
pub const SW_FIND_OK: u8 = 0x9F;
pub const SW_NO_CARD: u8 = 0x80;
pub const SW_SELECT_FAIL: u8 = 0x81;
pub const SW_READ_FAIL: u8 = 0x41;

pub const TEXT_LEN: usize = 256;
pub const PHOTO_LEN: usize = 1024;

/// Encodes one frame around `payload`.
pub fn encode(payload: &[u8]) -> Vec<u8> {
    let len = payload.len() + 1;
    let mut f = Vec::with_capacity(PREAMBLE.len() + 2 + len);
    f.extend_from_slice(&PREAMBLE);
    f.extend_from_slice(&(len as u16).to_be_bytes());
    f.extend_from_slice(payload);
    let x = f[5..].iter().fold(0u8, |a, b| a ^ b);
    f.push(x);
    f
}

/// A host command frame.
pub fn command(cmd: [u8; 2]) -> Vec<u8> {
    encode(&cmd)
}

/// A reply frame with status `sw3` and `data`.
pub fn reply(sw3: u8, data: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(3 + data.len());
    p.extend_from_slice(&[0x00, 0x00, sw3]);
    p.extend_from_slice(data);
    encode(&p)
}

/// The read reply (`30 01`): text block plus a photo block (simulators send zeros or noise).
pub fn read_reply(text: &[u8; TEXT_LEN], photo: &[u8; PHOTO_LEN]) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + TEXT_LEN + PHOTO_LEN);
    data.extend_from_slice(&(TEXT_LEN as u16).to_be_bytes());
    data.extend_from_slice(&(PHOTO_LEN as u16).to_be_bytes());
    data.extend_from_slice(text);
    data.extend_from_slice(photo);
    reply(SW_OK, &data)
}

/// One decoded frame (either direction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamFrame {
    pub payload: Vec<u8>,
    /// Absolute stream offset of the frame's first preamble byte.
    pub offset: u64,
}

impl SamFrame {
    /// Status byte of a reply (`None` if the payload is too short to be a reply).
    pub fn sw3(&self) -> Option<u8> {
        self.payload.get(2).copied()
    }

    /// `cmd param` of a host command.
    pub fn command(&self) -> Option<[u8; 2]> {
        match self.payload.as_slice() {
            [c, p] => Some([*c, *p]),
            _ => None,
        }
    }

    /// Reply data after the three status bytes.
    pub fn data(&self) -> &[u8] {
        self.payload.get(3..).unwrap_or(&[])
    }

    /// Splits a read reply into its text block, wiping the photo bytes in place first so the
    /// photo does not linger in memory we hand around.
    pub fn take_text_block(mut self) -> Result<[u8; TEXT_LEN], CardsError> {
        let data_len = self.payload.len().saturating_sub(3);
        if data_len < 4 {
            return Err(CardsError::BadTextBlock { detail: format!("reply data is {data_len} bytes") });
        }
        let d = &self.payload[3..];
        let text_len = usize::from(u16::from_be_bytes([d[0], d[1]]));
        let photo_len = usize::from(u16::from_be_bytes([d[2], d[3]]));
        if text_len != TEXT_LEN || d.len() < 4 + text_len + photo_len {
            return Err(CardsError::BadTextBlock {
                detail: format!("text length {text_len}, photo length {photo_len}, {} data bytes", d.len()),
            });
        }
        let mut text = [0u8; TEXT_LEN];
        text.copy_from_slice(&d[4..4 + TEXT_LEN]);
        self.payload.fill(0);
        Ok(text)
    }
}

/// Incremental SAM frame decoder.
#[derive(Debug, Default)]
pub struct SamDecoder {
    buf: StreamBuf,
    garbage: GarbageRun,
}

impl SamDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; returns the frames and errors completed by them, in stream order.
    pub fn push(&mut self, bytes: &[u8]) -> std::vec::IntoIter<Result<SamFrame, DecodeError>> {
        self.buf.extend(bytes);
        let mut out = Vec::new();
        loop {
            let (pos, complete) = find_start(self.buf.bytes(), &PREAMBLE);
            self.garbage.add(self.buf.offset(), pos, &mut out);
            self.buf.consume(pos);
            if !complete {
                break;
            }
            let b = self.buf.bytes();
            if b.len() < 7 {
                break;
            }
            let offset = self.buf.offset();
            let len = usize::from(u16::from_be_bytes([b[5], b[6]]));
            if len == 0 || len > MAX_LEN {
                self.garbage.flush(&mut out);
                out.push(Err(DecodeError::BadLength { offset, len }));
                self.buf.consume(1);
                continue;
            }
            if b.len() < 7 + len {
                break;
            }
            let found = b[6 + len];
            let expected = b[5..6 + len].iter().fold(0u8, |a, x| a ^ x);
            self.garbage.flush(&mut out);
            if found != expected {
                out.push(Err(DecodeError::BadChecksum {
                    offset,
                    expected: expected.into(),
                    found: found.into(),
                }));
                self.buf.consume(1);
                continue;
            }
            let payload = b[7..6 + len].to_vec();
            self.buf.consume(7 + len);
            out.push(Ok(SamFrame { payload, offset }));
        }
        self.garbage.flush(&mut out);
        out.into_iter()
    }
}

fn ucs2_field(text: &[u8; TEXT_LEN], from: usize, to: usize) -> Result<String, CardsError> {
    let units = text[from..to].chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]));
    let s: String = char::decode_utf16(units)
        .collect::<Result<_, _>>()
        .map_err(|_| CardsError::BadTextBlock { detail: format!("bytes {from}..{to} are not UCS-2") })?;
    Ok(s.trim_end_matches([' ', '\0']).trim().to_string())
}

/// Parses the 256-byte text block: UCS-2LE, space padded; byte 248 flags the card type.
/// The ID number is validated (GB 11643) for resident cards and HK/Macao/Taiwan permits.
pub fn parse_text_block(text: &[u8; TEXT_LEN]) -> Result<IdCardHolder, CardsError> {
    let card_type = match text[248] {
        b' ' | 0 => IdCardType::Resident,
        b'J' => IdCardType::HkMacaoTaiwan,
        b'I' => IdCardType::ForeignPermanent,
        other => IdCardType::Other(other),
    };
    let holder = if card_type == IdCardType::ForeignPermanent {
        // 外国人永久居留身份证: English name 0..120, sex 120..122, permit number 122..152,
        // nationality 152..158, Chinese name 158..188, validity 188..220, birth 220..236.
        let english = ucs2_field(text, 0, 120)?;
        let chinese = ucs2_field(text, 158, 188)?;
        IdCardHolder {
            card_type,
            name: if chinese.is_empty() { english } else { chinese },
            sex_code: ucs2_field(text, 120, 122)?,
            nation_code: ucs2_field(text, 152, 158)?,
            birth: ucs2_field(text, 220, 236)?,
            address: String::new(),
            id_number: ucs2_field(text, 122, 152)?,
            authority: String::new(),
            valid_from: ucs2_field(text, 188, 204)?,
            valid_to: ucs2_field(text, 204, 220)?,
        }
    } else {
        IdCardHolder {
            card_type,
            name: ucs2_field(text, 0, 30)?,
            sex_code: ucs2_field(text, 30, 32)?,
            nation_code: ucs2_field(text, 32, 36)?,
            birth: ucs2_field(text, 36, 52)?,
            address: ucs2_field(text, 52, 122)?,
            id_number: ucs2_field(text, 122, 158)?.to_ascii_uppercase(),
            authority: ucs2_field(text, 158, 188)?,
            valid_from: ucs2_field(text, 188, 204)?,
            valid_to: ucs2_field(text, 204, 220)?,
        }
    };
    let id_ok = match holder.card_type {
        IdCardType::ForeignPermanent => {
            holder.id_number.len() == 15 && holder.id_number.bytes().all(|b| b.is_ascii_alphanumeric())
        }
        _ => id_number::is_valid(&holder.id_number),
    };
    if !id_ok {
        return Err(CardsError::InvalidIdNumber { value: holder.id_number });
    }
    Ok(holder)
}

/// Canonical card key of an ID card holder.
pub fn card_key(holder: &IdCardHolder) -> String {
    format!("rid:{}", holder.id_number)
}

/// Builds a text block (resident card or `J` permit) from holder fields: used by the simulator
/// and tests. Fields longer than their slot are cut.
pub fn build_text_block(h: &IdCardHolder) -> [u8; TEXT_LEN] {
    let mut t = [0u8; TEXT_LEN];
    // Space padding everywhere, as cards carry it.
    for c in t[..248].chunks_exact_mut(2) {
        c.copy_from_slice(&[0x20, 0x00]);
    }
    let mut put = |from: usize, to: usize, s: &str| {
        let mut at = from;
        for u in s.encode_utf16() {
            if at + 2 > to {
                break;
            }
            t[at..at + 2].copy_from_slice(&u.to_le_bytes());
            at += 2;
        }
    };
    put(0, 30, &h.name);
    put(30, 32, &h.sex_code);
    put(32, 36, &h.nation_code);
    put(36, 52, &h.birth);
    put(52, 122, &h.address);
    put(122, 158, &h.id_number);
    put(158, 188, &h.authority);
    put(188, 204, &h.valid_from);
    put(204, 220, &h.valid_to);
    t[248] = match h.card_type {
        IdCardType::HkMacaoTaiwan => b'J',
        IdCardType::ForeignPermanent => b'I',
        IdCardType::Other(b) => b,
        IdCardType::Resident => b' ',
    };
    t
}

/// A synthetic resident-card holder for a given ID number (simulators, tests, fixtures).
pub fn synthetic_holder(id_number: &str, name: &str) -> IdCardHolder {
    let birth = id_number.get(6..14).unwrap_or("19900101").to_string();
    let sex = match id_number.as_bytes().get(16) {
        Some(d) if d.is_ascii_digit() && (d - b'0').is_multiple_of(2) => "2",
        _ => "1",
    };
    IdCardHolder {
        card_type: if id_number.starts_with("81")
            || id_number.starts_with("82")
            || id_number.starts_with("83")
        {
            IdCardType::HkMacaoTaiwan
        } else {
            IdCardType::Resident
        },
        name: name.to_string(),
        sex_code: sex.to_string(),
        nation_code: "01".to_string(),
        birth,
        address: "四川省成都市武侯区示例路1号".to_string(),
        id_number: id_number.to_string(),
        authority: "成都市公安局武侯分局".to_string(),
        valid_from: "20200101".to_string(),
        valid_to: "20400101".to_string(),
    }
}
