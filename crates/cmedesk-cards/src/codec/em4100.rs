//! EM4100 125 kHz readers in RDM6300 framing: `02` + 10 ASCII hex (version/customer byte + 32-bit
//! id) + 2 ASCII hex (xor of the five bytes) + `03`, 9600 8N1, repeated while the card stays on
//! the reader (repeat suppression lives in the driver, not here).

use super::{GarbageRun, StreamBuf, hex_upper, hex_val};
use crate::error::DecodeError;

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
pub const FRAME_LEN: usize = 14;

/// One EM4100 read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Em4100Frame {
    /// Version/customer byte followed by the 32-bit id.
    pub id: [u8; 5],
    pub raw: [u8; FRAME_LEN],
    pub offset: u64,
}

impl Em4100Frame {
    /// `em:<10 uppercase hex>`.
    pub fn card_key(&self) -> String {
        format!("em:{}", hex_upper(&self.id))
    }

    /// The low 24 bits as printed on many fobs (`67003B51C6` → 3887558).
    pub fn decimal_low24(&self) -> u32 {
        u32::from_be_bytes([0, self.id[2], self.id[3], self.id[4]])
    }

    /// The 32-bit id as ten decimal digits ("8H10D").
    pub fn decimal10(&self) -> String {
        format!("{:010}", u32::from_be_bytes([self.id[1], self.id[2], self.id[3], self.id[4]]))
    }
}

/// Encodes a frame for `id` (simulators, tests).
pub fn encode(id: [u8; 5]) -> [u8; FRAME_LEN] {
    let x = id.iter().fold(0u8, |a, b| a ^ b);
    let text = format!("{}{x:02X}", hex_upper(&id));
    let mut f = [0u8; FRAME_LEN];
    f[0] = STX;
    f[1..13].copy_from_slice(text.as_bytes());
    f[13] = ETX;
    f
}

/// Incremental EM4100 decoder.
#[derive(Debug, Default)]
pub struct Em4100Decoder {
    buf: StreamBuf,
    garbage: GarbageRun,
}

impl Em4100Decoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) -> std::vec::IntoIter<Result<Em4100Frame, DecodeError>> {
        self.buf.extend(bytes);
        let mut out = Vec::new();
        loop {
            let b = self.buf.bytes();
            let pos = b.iter().position(|&x| x == STX).unwrap_or(b.len());
            self.garbage.add(self.buf.offset(), pos, &mut out);
            self.buf.consume(pos);
            let b = self.buf.bytes();
            if b.is_empty() {
                break;
            }
            let offset = self.buf.offset();
            // A premature ETX or STX means a cut frame: report its real length and resync.
            if let Some(k) = b[1..b.len().min(FRAME_LEN)].iter().position(|&x| x == ETX || x == STX)
                && k + 1 < FRAME_LEN - 1
            {
                self.garbage.flush(&mut out);
                let len = if b[k + 1] == ETX { k + 2 } else { k + 1 };
                out.push(Err(DecodeError::BadLength { offset, len }));
                self.buf.consume(len);
                continue;
            }
            if b.len() < FRAME_LEN {
                break;
            }
            self.garbage.flush(&mut out);
            if b[13] != ETX {
                out.push(Err(DecodeError::BadTerminator { offset }));
                self.buf.consume(1);
                continue;
            }
            let mut bytes6 = [0u8; 6];
            let mut bad = None;
            for (i, pair) in b[1..13].chunks_exact(2).enumerate() {
                match (hex_val(pair[0]), hex_val(pair[1])) {
                    (Some(h), Some(l)) => bytes6[i] = h << 4 | l,
                    (None, _) => bad = bad.or(Some((1 + 2 * i, pair[0]))),
                    (_, None) => bad = bad.or(Some((2 + 2 * i, pair[1]))),
                }
            }
            if let Some((at, byte)) = bad {
                out.push(Err(DecodeError::BadDigit { offset: offset + at as u64, byte }));
                self.buf.consume(1);
                continue;
            }
            let mut id = [0u8; 5];
            id.copy_from_slice(&bytes6[..5]);
            let expected = id.iter().fold(0u8, |a, x| a ^ x);
            if expected != bytes6[5] {
                out.push(Err(DecodeError::BadChecksum {
                    offset,
                    expected: expected.into(),
                    found: bytes6[5].into(),
                }));
                self.buf.consume(1);
                continue;
            }
            let mut raw = [0u8; FRAME_LEN];
            raw.copy_from_slice(&b[..FRAME_LEN]);
            self.buf.consume(FRAME_LEN);
            out.push(Ok(Em4100Frame { id, raw, offset }));
        }
        self.garbage.flush(&mut out);
        out.into_iter()
    }
}
