//! ASCII-line readers (MIFARE UID readers and the like): each card prints a number followed by a
//! configurable terminator. The number format is configured per reader model: plain hex, hex with
//! the byte order reversed, ten decimal digits of a 32-bit UID ("8H10D", also reversed), or the
//! Wiegand-26 "facility,card" form. The canonical key is `uid:<uppercase hex>` in the card's own
//! byte order, or — format `Printed`, for cards the office issues by typing the number printed
//! on them — `ic:<digits>` / `uid:<hex>` exactly as printed, matching the core's card keys.
//! byte order, so the same card gives the same key whatever the reader prints.

use super::{GarbageRun, StreamBuf, hex_upper};
use crate::error::{CardsError, DecodeError};

/// How a reader prints the card number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    /// `04A2B3C4` as the UID bytes in order.
    Hex,
    /// `C4B3A204`: least significant byte first.
    ReversedHex,
    /// "8H10D": the 32-bit UID (first byte most significant) as ten decimal digits.
    Decimal10,
    /// "8H10D" of the byte-reversed UID, as many desktop readers print it.
    Decimal10Reversed,
    /// Wiegand 26: facility code (0–255) and card number (0–65535), as `FFF,CCCCC` or `FFFCCCCC`.
    Wiegand26,
    /// The number exactly as printed on the card: 4–20 digits give `ic:<digits>`, 4–32 hex
    /// digits give `uid:<HEX>` (the core's keys for numbers typed in by an officer).
    Printed,
}

impl std::str::FromStr for NumberFormat {
    type Err = CardsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "hex" => Self::Hex,
            "reversed-hex" => Self::ReversedHex,
            "dec10" | "8h10d" => Self::Decimal10,
            "dec10-reversed" => Self::Decimal10Reversed,
            "wiegand26" => Self::Wiegand26,
            "printed" => Self::Printed,
            other => {
                return Err(CardsError::Config {
                    field: "format",
                    detail: format!(
                        "unknown number format {other:?} (hex, reversed-hex, dec10, dec10-reversed, wiegand26, printed)"
                    ),
                });
            }
        })
    }
}

impl NumberFormat {
    /// The canonical card key for a printed number.
    pub fn card_key(self, text: &str) -> Result<String, String> {
        if self == Self::Printed {
            let t = text.to_ascii_uppercase();
            return if (4..=20).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
                Ok(format!("ic:{t}"))
            } else if (4..=32).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(format!("uid:{t}"))
            } else {
                Err(format!("{text:?} is neither 4–20 digits nor 4–32 hex digits"))
            };
        }
        self.parse(text).map(|uid| format!("uid:{}", hex_upper(&uid)))
    }

    /// Turns the printed number into UID bytes in card order (`Printed` numbers that are hex
    /// give their bytes; decimal ones have no byte form and are refused).
    pub fn parse(self, text: &str) -> Result<Vec<u8>, String> {
        let decimal = |t: &str, max: u64| -> Result<u64, String> {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{t:?} is not a decimal number"));
            }
            let v: u64 = t.parse().map_err(|_| format!("{t:?} is too large"))?;
            if v > max {
                return Err(format!("{v} exceeds {max}"));
            }
            Ok(v)
        };
        match self {
            Self::Printed => super::parse_hex(text).ok_or_else(|| format!("{text:?} is not hex")),
            Self::Hex | Self::ReversedHex => {
                if text.len() < 2 || !text.len().is_multiple_of(2) || text.len() > 32 {
                    return Err(format!("{} hex digits (need an even count, 2–32)", text.len()));
                }
                let mut v = super::parse_hex(text).ok_or_else(|| format!("{text:?} is not hex"))?;
                if self == Self::ReversedHex {
                    v.reverse();
                }
                Ok(v)
            }
            Self::Decimal10 | Self::Decimal10Reversed => {
                if text.len() != 10 {
                    return Err(format!("{} digits (need 10)", text.len()));
                }
                let v = decimal(text, u64::from(u32::MAX))? as u32;
                let mut b = v.to_be_bytes().to_vec();
                if self == Self::Decimal10Reversed {
                    b.reverse();
                }
                Ok(b)
            }
            Self::Wiegand26 => {
                let (f, c) = match text.split_once(',') {
                    Some((f, c)) => (f, c),
                    None if text.len() == 8 && text.is_ascii() => text.split_at(3),
                    None => return Err("need FFF,CCCCC or 8 digits".to_string()),
                };
                let f = decimal(f, 255)? as u8;
                let c = decimal(c, 65535)? as u16;
                let [hi, lo] = c.to_be_bytes();
                Ok(vec![f, hi, lo])
            }
        }
    }

    /// Prints UID bytes the way a reader of this format would (simulators, tests).
    pub fn format(self, uid: &[u8]) -> Option<String> {
        match self {
            Self::Hex | Self::Printed => Some(hex_upper(uid)),
            Self::ReversedHex => {
                let mut v = uid.to_vec();
                v.reverse();
                Some(hex_upper(&v))
            }
            Self::Decimal10 | Self::Decimal10Reversed => {
                let mut b: [u8; 4] = uid.try_into().ok()?;
                if self == Self::Decimal10Reversed {
                    b.reverse();
                }
                Some(format!("{:010}", u32::from_be_bytes(b)))
            }
            Self::Wiegand26 => match uid {
                [f, hi, lo] => Some(format!("{f:03},{:05}", u16::from_be_bytes([*hi, *lo]))),
                _ => None,
            },
        }
    }
}

/// Configuration of an ASCII-line reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsciiConfig {
    /// Line terminator, e.g. `\r\n`, `\r`, `\n` or `03` (ETX).
    pub terminator: Vec<u8>,
    pub format: NumberFormat,
    /// Longest line accepted before the terminator; longer input is discarded as an error.
    pub max_len: usize,
}

impl Default for AsciiConfig {
    fn default() -> Self {
        Self { terminator: b"\r\n".to_vec(), format: NumberFormat::Hex, max_len: 40 }
    }
}

/// One decoded line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsciiFrame {
    /// `uid:<HEX>`, or `ic:<digits>` for decimal numbers read with `NumberFormat::Printed`.
    pub card_key: String,
    /// The line with its terminator, as received.
    pub raw: Vec<u8>,
    pub offset: u64,
}

impl AsciiFrame {
    pub fn card_key(&self) -> String {
        self.card_key.clone()
    }
}

/// Incremental line decoder.
#[derive(Debug)]
pub struct AsciiDecoder {
    cfg: AsciiConfig,
    buf: StreamBuf,
    /// Discarding an over-long line until its terminator.
    skipping: bool,
    garbage: GarbageRun,
}

impl AsciiDecoder {
    pub fn new(cfg: AsciiConfig) -> Result<Self, CardsError> {
        if cfg.terminator.is_empty() {
            return Err(CardsError::Config { field: "terminator", detail: "must not be empty".into() });
        }
        if cfg.max_len == 0 {
            return Err(CardsError::Config { field: "max_len", detail: "must be positive".into() });
        }
        Ok(Self { cfg, buf: StreamBuf::default(), skipping: false, garbage: GarbageRun::default() })
    }

    pub fn push(&mut self, bytes: &[u8]) -> std::vec::IntoIter<Result<AsciiFrame, DecodeError>> {
        self.buf.extend(bytes);
        let mut out = Vec::new();
        let term: &[u8] = &self.cfg.terminator;
        loop {
            let b = self.buf.bytes();
            let offset = self.buf.offset();
            let Some(end) = b.windows(term.len()).position(|w| w == term) else {
                if self.skipping {
                    // Keep a possible partial terminator only.
                    let keep = term.len() - 1;
                    let n = b.len().saturating_sub(keep);
                    self.garbage.add(offset, n, &mut out);
                    self.buf.consume(n);
                } else if b.len() > self.cfg.max_len + term.len() - 1 {
                    out.push(Err(DecodeError::LineTooLong { offset, len: b.len() }));
                    self.skipping = true;
                    continue;
                }
                break;
            };
            let whole = end + term.len();
            if self.skipping {
                self.garbage.add(offset, whole, &mut out);
                self.garbage.flush(&mut out);
                self.buf.consume(whole);
                self.skipping = false;
                continue;
            }
            let raw = b[..whole].to_vec();
            self.buf.consume(whole);
            if end > self.cfg.max_len {
                out.push(Err(DecodeError::LineTooLong { offset, len: end }));
                continue;
            }
            // Readers pad with spaces or wrap lines in STX/ETX; neither is part of the number.
            let line = &raw[..end];
            let lead = line.iter().take_while(|&&c| c == 0x02 || c.is_ascii_whitespace()).count();
            let trail =
                line[lead..].iter().rev().take_while(|&&c| c == 0x03 || c.is_ascii_whitespace()).count();
            let text = &line[lead..line.len() - trail];
            if text.is_empty() {
                continue;
            }
            if let Some(i) = text.iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b',')) {
                out.push(Err(DecodeError::BadDigit { offset: offset + (lead + i) as u64, byte: text[i] }));
                continue;
            }
            let text_str: String = text.iter().map(|&c| c as char).collect();
            match self.cfg.format.card_key(&text_str) {
                Ok(card_key) => out.push(Ok(AsciiFrame { card_key, raw, offset })),
                Err(detail) => out.push(Err(DecodeError::BadNumber { offset: offset + lead as u64, detail })),
            }
        }
        self.garbage.flush(&mut out);
        out.into_iter()
    }
}
