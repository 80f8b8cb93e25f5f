//! Storing-terminal protocol of our own (see `schema/protocols/storing-terminal.md`): framing with
//! length and CRC, and the typed messages (device info, clock, roster download, swipe-log pull,
//! clear with a count check). Pure: the client (`crate::terminal`) and the simulator both use it.
//!
//! Frame: `5A A5 | ver (01) | type | req_id | len (2, BE) | payload | crc (2, BE)`, CRC-16/CCITT-FALSE
//! (poly 0x1021, init 0xFFFF) over `ver .. payload`. All integers big-endian.

use super::{GarbageRun, StreamBuf, find_start};
use crate::error::DecodeError;

pub const MAGIC: [u8; 2] = [0x5A, 0xA5];
pub const VERSION: u8 = 1;
pub const MAX_PAYLOAD: usize = 8192;
pub const HEADER_LEN: usize = 7;
pub const OVERHEAD: usize = HEADER_LEN + 2;

pub const T_INFO: u8 = 0x01;
pub const T_CLOCK_GET: u8 = 0x02;
pub const T_CLOCK_SET: u8 = 0x03;
pub const T_ROSTER_BEGIN: u8 = 0x10;
pub const T_ROSTER_CHUNK: u8 = 0x11;
pub const T_ROSTER_COMMIT: u8 = 0x12;
pub const T_PULL: u8 = 0x20;
pub const T_CLEAR: u8 = 0x21;
/// A reply carries the request type with the high bit set.
pub const REPLY: u8 = 0x80;
pub const T_ERROR: u8 = 0x7F;

pub const E_UNKNOWN_TYPE: u8 = 1;
pub const E_BAD_PAYLOAD: u8 = 2;
pub const E_COUNT_MISMATCH: u8 = 3;
pub const E_ROSTER_SEQUENCE: u8 = 4;
pub const E_STORAGE_FULL: u8 = 5;

/// Record kinds in a swipe log.
pub const K_RID: u8 = 1;
pub const K_EM: u8 = 2;
pub const K_UID: u8 = 3;

/// CRC-16/CCITT-FALSE.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
    }
    crc
}

/// One frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalFrame {
    pub kind: u8,
    pub req_id: u8,
    pub payload: Vec<u8>,
    pub offset: u64,
}

/// Encodes a frame. Payloads over `MAX_PAYLOAD` are a programming error of the caller; they are
/// cut to keep the frame decodable rather than panicking.
pub fn encode(kind: u8, req_id: u8, payload: &[u8]) -> Vec<u8> {
    let payload = &payload[..payload.len().min(MAX_PAYLOAD)];
    let mut f = Vec::with_capacity(OVERHEAD + payload.len());
    f.extend_from_slice(&MAGIC);
    f.extend_from_slice(&[VERSION, kind, req_id]);
    f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    f.extend_from_slice(payload);
    let crc = crc16(&f[2..]);
    f.extend_from_slice(&crc.to_be_bytes());
    f
}

/// Incremental frame decoder.
#[derive(Debug, Default)]
pub struct TerminalDecoder {
    buf: StreamBuf,
    garbage: GarbageRun,
}

impl TerminalDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) -> std::vec::IntoIter<Result<TerminalFrame, DecodeError>> {
        self.buf.extend(bytes);
        let mut out = Vec::new();
        loop {
            let (pos, complete) = find_start(self.buf.bytes(), &MAGIC);
            self.garbage.add(self.buf.offset(), pos, &mut out);
            self.buf.consume(pos);
            if !complete {
                break;
            }
            let b = self.buf.bytes();
            if b.len() < HEADER_LEN {
                break;
            }
            let offset = self.buf.offset();
            if b[2] != VERSION {
                self.garbage.flush(&mut out);
                out.push(Err(DecodeError::BadVersion { offset, version: b[2] }));
                self.buf.consume(1);
                continue;
            }
            let len = usize::from(u16::from_be_bytes([b[5], b[6]]));
            if len > MAX_PAYLOAD {
                self.garbage.flush(&mut out);
                out.push(Err(DecodeError::BadLength { offset, len }));
                self.buf.consume(1);
                continue;
            }
            if b.len() < OVERHEAD + len {
                break;
            }
            self.garbage.flush(&mut out);
            let end = HEADER_LEN + len;
            let expected = crc16(&b[2..end]);
            let found = u16::from_be_bytes([b[end], b[end + 1]]);
            if expected != found {
                out.push(Err(DecodeError::BadChecksum { offset, expected, found }));
                self.buf.consume(1);
                continue;
            }
            let frame =
                TerminalFrame { kind: b[3], req_id: b[4], payload: b[HEADER_LEN..end].to_vec(), offset };
            self.buf.consume(end + 2);
            out.push(Ok(frame));
        }
        self.garbage.flush(&mut out);
        out.into_iter()
    }
}

/// A cursor over a payload; every getter fails cleanly on short input.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, pos: 0 }
    }
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len()).ok_or_else(|| {
            format!("payload ends at byte {} but {} more were expected", self.data.len(), n)
        })?;
        let s = &self.data[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    pub fn u8(&mut self) -> Result<u8, String> {
        Ok(self.bytes(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, String> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.bytes(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub fn str8(&mut self) -> Result<String, String> {
        let n = usize::from(self.u8()?);
        String::from_utf8(self.bytes(n)?.to_vec()).map_err(|_| "string is not UTF-8".to_string())
    }
    pub fn done(&self) -> bool {
        self.pos == self.data.len()
    }
}

/// Appends a length-prefixed UTF-8 string, cut at a character boundary to 255 bytes.
pub fn put_str8(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(255);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    out.push(end as u8);
    out.extend_from_slice(&s.as_bytes()[..end]);
}

/// Device information (reply to `INFO`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeviceInfo {
    pub model: String,
    pub serial: String,
    pub firmware: String,
    pub capacity: u32,
    /// Records currently stored.
    pub stored: u32,
    /// Lowest and highest stored seq (0 when empty).
    pub first_seq: u32,
    pub last_seq: u32,
    /// Every record with seq ≤ this has been cleared by a host.
    pub cleared_through: u32,
    pub roster_count: u32,
}

impl DeviceInfo {
    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::new();
        put_str8(&mut p, &self.model);
        put_str8(&mut p, &self.serial);
        put_str8(&mut p, &self.firmware);
        for v in [
            self.capacity,
            self.stored,
            self.first_seq,
            self.last_seq,
            self.cleared_through,
            self.roster_count,
        ] {
            p.extend_from_slice(&v.to_be_bytes());
        }
        p
    }
    pub fn decode(payload: &[u8]) -> Result<Self, String> {
        let mut r = Reader::new(payload);
        Ok(Self {
            model: r.str8()?,
            serial: r.str8()?,
            firmware: r.str8()?,
            capacity: r.u32()?,
            stored: r.u32()?,
            first_seq: r.u32()?,
            last_seq: r.u32()?,
            cleared_through: r.u32()?,
            roster_count: r.u32()?,
        })
    }
}

/// One stored swipe.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SwipeRecord {
    /// Gapless device sequence number, starting at 1, never reused.
    pub seq: u32,
    /// Device clock at the swipe, seconds since 1970-01-01 UTC as the device believes.
    pub device_time: u32,
    pub kind: u8,
    /// Card number bytes: ASCII ID number (rid), 5 bytes (em) or the UID (uid).
    pub card: Vec<u8>,
}

impl SwipeRecord {
    /// Canonical card key, or `None` for an unknown kind or a malformed number.
    pub fn card_key(&self) -> Option<String> {
        match self.kind {
            K_RID => {
                let s = std::str::from_utf8(&self.card).ok()?;
                Some(format!("rid:{s}"))
            }
            K_EM if self.card.len() == 5 => Some(format!("em:{}", super::hex_upper(&self.card))),
            K_UID if !self.card.is_empty() => Some(format!("uid:{}", super::hex_upper(&self.card))),
            _ => None,
        }
    }

    /// The device time as a UTC instant (by the device's clock: correct it with the offset
    /// measured at the pull, `ClockReading::offset_ms`).
    pub fn device_time_utc(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::from_timestamp(i64::from(self.device_time), 0)
    }

    /// The record as it travelled (kept as the swipe's raw bytes).
    pub fn encode_into(&self, p: &mut Vec<u8>) {
        p.extend_from_slice(&self.seq.to_be_bytes());
        p.extend_from_slice(&self.device_time.to_be_bytes());
        p.push(self.kind);
        p.push(self.card.len().min(255) as u8);
        p.extend_from_slice(&self.card[..self.card.len().min(255)]);
    }

    pub fn encoded_len(&self) -> usize {
        10 + self.card.len().min(255)
    }

    pub fn decode_from(r: &mut Reader<'_>) -> Result<Self, String> {
        let seq = r.u32()?;
        let device_time = r.u32()?;
        let kind = r.u8()?;
        let n = usize::from(r.u8()?);
        Ok(Self { seq, device_time, kind, card: r.bytes(n)?.to_vec() })
    }

    /// Builds a record from a canonical card key (`rid:`, `em:`, `uid:`).
    pub fn from_card_key(seq: u32, device_time: u32, key: &str) -> Option<Self> {
        let (kind, card) = if let Some(id) = key.strip_prefix("rid:") {
            (K_RID, id.as_bytes().to_vec())
        } else if let Some(h) = key.strip_prefix("em:") {
            (K_EM, super::parse_hex(h).filter(|v| v.len() == 5)?)
        } else if let Some(h) = key.strip_prefix("uid:") {
            (K_UID, super::parse_hex(h).filter(|v| !v.is_empty())?)
        } else {
            return None;
        };
        Some(Self { seq, device_time, kind, card })
    }
}

/// A page of the swipe log (reply to `PULL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    pub records: Vec<SwipeRecord>,
    pub more: bool,
}

impl PullPage {
    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(3 + self.records.iter().map(SwipeRecord::encoded_len).sum::<usize>());
        p.extend_from_slice(&(self.records.len() as u16).to_be_bytes());
        p.push(u8::from(self.more));
        for r in &self.records {
            r.encode_into(&mut p);
        }
        p
    }
    pub fn decode(payload: &[u8]) -> Result<Self, String> {
        let mut r = Reader::new(payload);
        let n = r.u16()?;
        let more = r.u8()? != 0;
        let records = (0..n).map(|_| SwipeRecord::decode_from(&mut r)).collect::<Result<Vec<_>, _>>()?;
        if !r.done() {
            return Err("trailing bytes after the last record".into());
        }
        Ok(Self { records, more })
    }
}

/// One roster entry the terminal shows on its screen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RosterEntry {
    pub card_key: String,
    pub name: String,
}

/// An error reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorReply {
    pub code: u8,
    pub message: String,
    /// Extra number: for `COUNT_MISMATCH` the device's own count.
    pub detail: u32,
}

impl ErrorReply {
    pub fn encode(&self) -> Vec<u8> {
        let mut p = vec![self.code];
        put_str8(&mut p, &self.message);
        p.extend_from_slice(&self.detail.to_be_bytes());
        p
    }
    pub fn decode(payload: &[u8]) -> Result<Self, String> {
        let mut r = Reader::new(payload);
        Ok(Self { code: r.u8()?, message: r.str8()?, detail: r.u32()? })
    }
}
