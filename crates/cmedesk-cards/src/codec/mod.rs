//! Incremental, pure decoders for every wire format we speak. Each decoder takes bytes as they
//! arrive (`push`) in pieces of any size and yields the frames completed so far plus precise
//! errors; on garbage or a corrupt frame it resynchronises on the next frame start, so one bad
//! byte never costs more than the frame it hit.

pub mod ascii;
pub mod em4100;
pub mod sam;
pub mod terminal;

use crate::error::DecodeError;

/// A growable window over the stream that remembers the absolute offset of its first byte, so
/// errors can name exact stream positions. Consuming is O(1); the storage is compacted lazily.
#[derive(Debug, Default)]
pub(crate) struct StreamBuf {
    data: Vec<u8>,
    start: usize,
    base: u64,
}

impl StreamBuf {
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.data.len() / 2 {
            self.data.drain(..self.start);
            self.start = 0;
        }
        self.data.extend_from_slice(bytes);
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.data[self.start..]
    }

    /// Absolute stream offset of `bytes()[0]`.
    pub(crate) fn offset(&self) -> u64 {
        self.base
    }

    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.data.len() - self.start);
        self.start += n;
        self.base += n as u64;
        if self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        }
    }
}

/// Collects runs of skipped bytes so a burst of noise is one `Garbage` error, not one per byte.
#[derive(Debug, Default)]
pub(crate) struct GarbageRun {
    run: Option<(u64, usize)>,
}

impl GarbageRun {
    pub(crate) fn add<T>(&mut self, offset: u64, len: usize, out: &mut Vec<Result<T, DecodeError>>) {
        if len == 0 {
            return;
        }
        match &mut self.run {
            Some((start, n)) if *start + *n as u64 == offset => *n += len,
            _ => {
                self.flush(out);
                self.run = Some((offset, len));
            }
        }
    }

    pub(crate) fn flush<T>(&mut self, out: &mut Vec<Result<T, DecodeError>>) {
        if let Some((offset, len)) = self.run.take() {
            out.push(Err(DecodeError::Garbage { offset, len }));
        }
    }
}

/// Position of `needle` in `hay`, or of the longest suffix of `hay` that is a prefix of `needle`
/// (a frame start cut in half by the read boundary). Returns `(pos, complete)`.
pub(crate) fn find_start(hay: &[u8], needle: &[u8]) -> (usize, bool) {
    if let Some(p) = hay.windows(needle.len()).position(|w| w == needle) {
        return (p, true);
    }
    let keep =
        (1..needle.len()).rev().find(|&k| hay.len() >= k && hay[hay.len() - k..] == needle[..k]).unwrap_or(0);
    (hay.len() - keep, false)
}

/// Uppercase hex without separators, as card keys and logs print card numbers.
pub fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Parses an even-length hex string (whitespace allowed between bytes).
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits.chunks(2).map(|p| Some(hex_val(p[0])? << 4 | hex_val(p[1])?)).collect()
}

pub(crate) fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}
